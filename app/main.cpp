// netwright: the IDE. A thin composition root: it builds the registry and the document,
// opens the main window, and handles --screenshot for headless checks.
#include "app/autosave.h"
#include "app/backends.h"
#include "app/project_document.h"
#include "graph/op_registry.h"
#include "ui/main_window.h"
#include "ui/theme.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QTimer>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

// Takes the values of --plugin FILE (also --plugin=FILE) out of argv. QGuiApplication reads
// "-plugin SPEC" (or "--plugin SPEC") as its own option, a Qt generic plugin to load, and
// removes it from argv before QCommandLineParser sees it; so ours are taken out first.
std::vector<std::string> takePluginFiles(int& argc, char** argv) {
    std::vector<std::string> files;
    int kept = 1;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--") { // the rest are positional
            while (i < argc) {
                argv[kept++] = argv[i++];
            }
            break;
        }
        if ((arg == "--plugin" || arg == "-plugin") && i + 1 < argc) {
            files.emplace_back(argv[++i]);
        } else if (arg.starts_with("--plugin=")) {
            files.emplace_back(arg.substr(std::string_view("--plugin=").size()));
        } else {
            argv[kept++] = argv[i];
        }
    }
    argv[kept] = nullptr;
    argc = kept;
    return files;
}

} // namespace

int main(int argc, char** argv) {
    const std::vector<std::string> pluginFiles = takePluginFiles(argc, argv);
    QApplication app(argc, argv);
    QApplication::setApplicationName(QStringLiteral("Netwright"));
    QApplication::setOrganizationName(QStringLiteral("Netwright"));
    QApplication::setApplicationVersion(QStringLiteral("0.1.0"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Netwright, the neural-network IDE"));
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption screenshot(
        QStringLiteral("screenshot"),
        QStringLiteral("Save a picture of the window to PATH once loaded, then quit."),
        QStringLiteral("PATH"));
    parser.addOption(screenshot);
    QCommandLineOption size(QStringLiteral("size"),
                            QStringLiteral("Resize the window to WIDTHxHEIGHT pixels (for "
                                           "screenshots: 1024x640)."),
                            QStringLiteral("WIDTHxHEIGHT"));
    parser.addOption(size);
    QCommandLineOption theme(QStringLiteral("theme"),
                             QStringLiteral("Colour theme: system (default), light or dark."),
                             QStringLiteral("THEME"), QStringLiteral("system"));
    parser.addOption(theme);
    QCommandLineOption mode(QStringLiteral("mode"),
                            QStringLiteral("Start in MODE: design (default), data, train, "
                                           "experiments or deploy."),
                            QStringLiteral("MODE"));
    parser.addOption(mode);
    QCommandLineOption plugin(QStringLiteral("plugin"),
                              QStringLiteral("Load the plugin library FILE too (repeatable; "
                                             "besides those in NETWRIGHT_PLUGIN_PATH and "
                                             "~/.local/share/netwright/plugins)."),
                              QStringLiteral("FILE"));
    parser.addOption(plugin);
    parser.addPositionalArgument(QStringLiteral("FILE"), QStringLiteral("Project to open."));
    if (!parser.parse(QApplication::arguments())) {
        std::cerr << "netwright: " << parser.errorText().toStdString() << "\n";
        return 2;
    }
    if (parser.isSet(QStringLiteral("help"))) {
        parser.showHelp(0);
    }
    if (parser.isSet(QStringLiteral("version"))) {
        parser.showVersion();
    }

    if (!nw::ui::applyTheme(app, parser.value(theme))) {
        std::cerr << "netwright: unknown theme '" << parser.value(theme).toStdString()
                  << "' (use system, light or dark)\n";
        return 2;
    }

    const auto registries =
        nw::app::loadRegistries(nw::plugins::PluginSearch::fromEnvironment(pluginFiles));
    for (const auto& r : registries->plugins->refused()) {
        std::cerr << "netwright: plugin " << r.file << " refused: " << r.reason << "\n";
    }
    nw::app::ProjectDocument document(registries->ops);
    const auto& backends = registries->backends;
    nw::ui::MainWindow window(document, backends);
    const bool headless = parser.isSet(screenshot);

    if (!parser.positionalArguments().isEmpty()) {
        auto status = document.load(parser.positionalArguments().first());
        if (!status) {
            std::cerr << "netwright: " << status.error().message << "\n";
            if (headless) {
                return 2;
            }
            QMessageBox::warning(&window, QObject::tr("Cannot open project"),
                                 QString::fromStdString(status.error().message));
        }
    }
    if (parser.isSet(size)) {
        const QStringList wh = parser.value(size).split(QLatin1Char('x'));
        const int w = wh.size() == 2 ? wh[0].toInt() : 0, h = wh.size() == 2 ? wh[1].toInt() : 0;
        if (w < 320 || h < 240) {
            std::cerr << "netwright: --size: '" << parser.value(size).toStdString()
                      << "' is not WIDTHxHEIGHT of at least 320x240\n";
            return 2;
        }
        window.resize(w, h);
    }
    window.show();

    // Autosave (not for headless runs) and, after a crash, the offer to restore.
    std::unique_ptr<nw::app::Autosaver> autosaver;
    if (!headless) {
        const auto pending = nw::app::Autosaver::pendingRecoveries();
        for (const auto& recovery : pending) {
            const QString what =
                recovery.original.isEmpty() ? QObject::tr("an unsaved project") : recovery.original;
            const auto answer = QMessageBox::question(
                &window, QObject::tr("Recover unsaved changes"),
                QObject::tr("Netwright did not close properly. Restore the unsaved changes "
                            "to %1?")
                    .arg(what),
                QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
            if (answer == QMessageBox::Yes) {
                auto status = document.restoreRecovery(recovery.file, recovery.original);
                if (!status) {
                    QMessageBox::warning(&window, QObject::tr("Cannot recover"),
                                         QString::fromStdString(status.error().message));
                    continue; // keep the file for another try
                }
            }
            nw::app::Autosaver::discard(recovery);
            if (answer == QMessageBox::Yes) {
                break; // one document per window
            }
        }
        autosaver = std::make_unique<nw::app::Autosaver>(document);
    }
    // A run that crashed (this IDE or netwright-cli killed): the offer to resume it.
    window.checkForCrashedRuns();
    // Started without a project (and nothing recovered): the welcome page.
    if (parser.positionalArguments().isEmpty() && !document.isModified()) {
        window.showWelcome();
    }

    if (parser.isSet(mode) && !window.showMode(parser.value(mode))) {
        std::cerr << "netwright: unknown mode '" << parser.value(mode).toStdString() << "'\n";
        return 2;
    }

    if (headless) {
        const QString path = parser.value(screenshot);
        // Grab once the window has been laid out and painted.
        QTimer::singleShot(300, &window, [&window, path] {
            bool saved = window.grab().save(path, "PNG");
            if (!saved) {
                std::cerr << "netwright: cannot write the screenshot " << path.toStdString()
                          << "\n";
            }
            QApplication::exit(saved ? 0 : 1);
        });
    }
    return QApplication::exec();
}
