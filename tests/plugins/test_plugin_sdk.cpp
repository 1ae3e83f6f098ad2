// The plugin SDK from a plugin author's side, through netwright-cli plugins [--json]: the
// example plugin loads from each place plugins are found (--plugin FILE, the folders of
// NETWRIGHT_PLUGIN_PATH, $XDG_DATA_HOME/netwright/plugins, ~/.local/share/netwright/plugins);
// each fixture plugin is refused with its file and a reason that says why, without stopping
// the others; a file reached twice is loaded once; the human-readable listing; the example
// exports nothing but its entry point; and the installed SDK (component plugin_sdk) builds the
// example outside the tree through find_package, whose version check follows the SDK's rule.
// Every run has XDG_DATA_HOME (or HOME) in a QTemporaryDir, so the user's plugins are never read.
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QTemporaryDir>
#include <QtTest>

namespace {

struct Run {
    int code = -1;
    QByteArray out;
    QByteArray err;
    QString describe() const {
        return QStringLiteral("exit %1\nstdout: %2\nstderr: %3")
            .arg(code)
            .arg(QString::fromUtf8(out), QString::fromUtf8(err));
    }
    QJsonObject json() const { return QJsonDocument::fromJson(out).object(); }
};

Run runProgram(const QString& program, const QStringList& args,
               const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment(),
               const QString& workDir = {}, int timeoutMs = 120000) {
    QProcess p;
    p.setProcessEnvironment(env);
    if (!workDir.isEmpty()) {
        p.setWorkingDirectory(workDir);
    }
    p.start(program, args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        return {-1, p.readAllStandardOutput(), p.readAllStandardError() + "\n(timed out)"};
    }
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, p.readAllStandardOutput(),
            p.readAllStandardError()};
}

// The test's environment without NETWRIGHT_PLUGIN_PATH, with XDG_DATA_HOME = `dataHome`.
QProcessEnvironment cleanEnv(const QString& dataHome) {
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("NETWRIGHT_PLUGIN_PATH"));
    env.insert(QStringLiteral("XDG_DATA_HOME"), dataHome);
    return env;
}

Run cli(const QStringList& args, const QProcessEnvironment& env, const QString& workDir = {}) {
    return runProgram(QStringLiteral(NW_CLI_PATH), args, env, workDir);
}

QString canonical(const QString& path) {
    return QFileInfo(path).canonicalFilePath();
}

// Copies `file` into `folder` (made if missing) and returns the copy's path.
QString copyInto(const QString& file, const QString& folder) {
    QDir().mkpath(folder);
    QString to = folder + "/" + QFileInfo(file).fileName();
    QFile::remove(to);
    return QFile::copy(file, to) ? to : QString();
}

QStringList strings(const QJsonValue& v) {
    QStringList out;
    for (const QJsonValue& s : v.toArray()) {
        out << s.toString();
    }
    return out;
}

QStringList canonicalPaths(const QJsonValue& v) {
    QStringList out;
    for (const QString& s : strings(v)) {
        out << (QFileInfo::exists(s) ? canonical(s) : QDir::cleanPath(s));
    }
    return out;
}

// Checks that `entry` of "loaded" is the example plugin, loaded from `file`.
void verifyExample(const QJsonObject& entry, const QString& file) {
    QCOMPARE(entry.value("name").toString(), QStringLiteral("netwright-examples"));
    QCOMPARE(entry.value("version").toString(), QStringLiteral("1.0.0"));
    QString reported = entry.value("file").toString();
    QVERIFY2(QFileInfo(reported).isAbsolute(), qPrintable(reported));
    QCOMPARE(canonical(reported), canonical(file));
    QCOMPARE(strings(entry.value("ops")),
             QStringList({QStringLiteral("LearnedSwish"), QStringLiteral("SqueezeExcite")}));
}

// `netwright-cli plugins --json` loaded exactly the example, from `file`, and refused nothing.
void verifyOnlyExample(const Run& r, const QString& file) {
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QJsonObject o = r.json();
    QCOMPARE(o.value("sdk_version").toString(), QStringLiteral("1.0"));
    QVERIFY2(o.value("refused").toArray().isEmpty(), qPrintable(r.describe()));
    QJsonArray loaded = o.value("loaded").toArray();
    QVERIFY2(loaded.size() == 1, qPrintable(r.describe()));
    verifyExample(loaded.first().toObject(), file);
}

} // namespace

class TestPluginSdk : public QObject {
    Q_OBJECT

private slots:
    void initTestCase();

    void exampleFromOption();
    void exampleFromRelativeOption();
    void exampleFromPluginPath();
    void exampleFromDataHome();
    void exampleFromHomeByDefault();
    void sameFileTwiceLoadsOnce();
    void secondCopyIsRefused();

    void refusals_data();
    void refusals();
    void refusalsDoNotStopOthers();

    void humanReadableListing();
    void exampleExportsOnlyItsEntry();

    void installedSdkFiles();
    void sdkVersionCompatibility_data();
    void sdkVersionCompatibility();
    void exampleBuildsOutOfTree();

private:
    QTemporaryDir m_prefix; // the installed SDK (component plugin_sdk)
    QTemporaryDir m_data;   // XDG_DATA_HOME of the runs that do not set their own
};

void TestPluginSdk::initTestCase() {
    QVERIFY(m_prefix.isValid() && m_data.isValid());
    Run r = runProgram(QStringLiteral(NW_CMAKE_COMMAND),
                       {"--install", QStringLiteral(NW_BINARY_DIR), "--prefix", m_prefix.path(),
                        "--component", "plugin_sdk"});
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
}

void TestPluginSdk::exampleFromOption() {
    Run r = cli({"plugins", "--json", "--plugin", NW_EXAMPLE_PLUGIN}, cleanEnv(m_data.path()));
    verifyOnlyExample(r, NW_EXAMPLE_PLUGIN);
}

// A relative --plugin is reported as an absolute path.
void TestPluginSdk::exampleFromRelativeOption() {
    QTemporaryDir dir;
    QString copy = copyInto(NW_EXAMPLE_PLUGIN, dir.path() + "/sub");
    QVERIFY(!copy.isEmpty());
    Run r = cli({"plugins", "--json", "--plugin", "sub/" + QFileInfo(copy).fileName()},
                cleanEnv(m_data.path()), dir.path());
    verifyOnlyExample(r, copy);
}

// NETWRIGHT_PLUGIN_PATH: colon-separated folders, every *.so in each (a missing folder is no
// error); they are listed in search_path with the data folder.
void TestPluginSdk::exampleFromPluginPath() {
    QTemporaryDir dir;
    QString empty = dir.path() + "/empty", missing = dir.path() + "/missing";
    QDir().mkpath(empty);
    QString copy = copyInto(NW_EXAMPLE_PLUGIN, dir.path() + "/plugins");
    QVERIFY(!copy.isEmpty());
    QProcessEnvironment env = cleanEnv(m_data.path());
    env.insert("NETWRIGHT_PLUGIN_PATH", empty + ":" + dir.path() + "/plugins:" + missing);
    Run r = cli({"plugins", "--json"}, env);
    verifyOnlyExample(r, copy);
    if (QTest::currentTestFailed()) {
        return;
    }
    QStringList path = canonicalPaths(r.json().value("search_path"));
    QVERIFY2(path.contains(canonical(empty)), qPrintable(path.join(", ")));
    QVERIFY2(path.contains(canonical(dir.path() + "/plugins")), qPrintable(path.join(", ")));
    QVERIFY2(path.contains(canonical(m_data.path()) + "/netwright/plugins"),
             qPrintable(path.join(", ")));
}

void TestPluginSdk::exampleFromDataHome() {
    QTemporaryDir data;
    QString copy = copyInto(NW_EXAMPLE_PLUGIN, data.path() + "/netwright/plugins");
    QVERIFY(!copy.isEmpty());
    Run r = cli({"plugins", "--json"}, cleanEnv(data.path()));
    verifyOnlyExample(r, copy);
    if (QTest::currentTestFailed()) {
        return;
    }
    QVERIFY(canonicalPaths(r.json().value("search_path"))
                .contains(canonical(data.path() + "/netwright/plugins")));
}

// Without XDG_DATA_HOME: ~/.local/share/netwright/plugins.
void TestPluginSdk::exampleFromHomeByDefault() {
    QTemporaryDir home;
    QString copy = copyInto(NW_EXAMPLE_PLUGIN, home.path() + "/.local/share/netwright/plugins");
    QVERIFY(!copy.isEmpty());
    QProcessEnvironment env = cleanEnv(QString());
    env.remove("XDG_DATA_HOME");
    env.insert("HOME", home.path());
    Run r = cli({"plugins", "--json"}, env);
    verifyOnlyExample(r, copy);
}

// The same file by --plugin and through NETWRIGHT_PLUGIN_PATH: loaded once, nothing refused.
void TestPluginSdk::sameFileTwiceLoadsOnce() {
    QTemporaryDir dir;
    QString copy = copyInto(NW_EXAMPLE_PLUGIN, dir.path());
    QVERIFY(!copy.isEmpty());
    QProcessEnvironment env = cleanEnv(m_data.path());
    env.insert("NETWRIGHT_PLUGIN_PATH", dir.path());
    Run r = cli({"plugins", "--json", "--plugin", copy, "--plugin", copy}, env);
    verifyOnlyExample(r, copy);
}

// Two copies of one plugin in different files: the first (--plugin comes first) is loaded,
// the second declares ops that exist already and is refused.
void TestPluginSdk::secondCopyIsRefused() {
    QTemporaryDir dir;
    QString first = copyInto(NW_EXAMPLE_PLUGIN, dir.path() + "/a");
    QString second = copyInto(NW_EXAMPLE_PLUGIN, dir.path() + "/b");
    QVERIFY(!first.isEmpty() && !second.isEmpty());
    QProcessEnvironment env = cleanEnv(m_data.path());
    env.insert("NETWRIGHT_PLUGIN_PATH", dir.path() + "/b");
    Run r = cli({"plugins", "--json", "--plugin", first}, env);
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QJsonArray loaded = r.json().value("loaded").toArray();
    QJsonArray refused = r.json().value("refused").toArray();
    QVERIFY2(loaded.size() == 1 && refused.size() == 1, qPrintable(r.describe()));
    verifyExample(loaded.first().toObject(), first);
    if (QTest::currentTestFailed()) {
        return;
    }
    QCOMPARE(canonical(refused.first()["file"].toString()), canonical(second));
    QVERIFY2(refused.first()["reason"].toString().contains("already"), qPrintable(r.describe()));
}

void TestPluginSdk::refusals_data() {
    QTest::addColumn<QString>("file");
    QTest::addColumn<QStringList>("reasonHas");
    QTest::newRow("wrong SDK version")
        << QStringLiteral(NW_PLUGIN_BAD_VERSION) << QStringList{"SDK 99.0", "1.0"};
    QTest::newRow("op named like a built-in")
        << QStringLiteral(NW_PLUGIN_DUPLICATE) << QStringList{"'Dense'", "already"};
    QTest::newRow("default outside its range")
        << QStringLiteral(NW_PLUGIN_INVALID) << QStringList{"fixture_window"};
    QTest::newRow("no entry point")
        << QStringLiteral(NW_PLUGIN_NO_ENTRY) << QStringList{"nw_plugin_entry"};
    QTest::newRow("entry returns NULL")
        << QStringLiteral(NW_PLUGIN_NULL_ENTRY) << QStringList{"nw_plugin_entry"};
}

// Each fixture is refused, exit 0, with its absolute file and a reason saying why.
void TestPluginSdk::refusals() {
    QFETCH(QString, file);
    QFETCH(QStringList, reasonHas);
    Run r = cli({"plugins", "--json", "--plugin", file}, cleanEnv(m_data.path()));
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QJsonObject o = r.json();
    QVERIFY2(o.value("loaded").toArray().isEmpty(), qPrintable(r.describe()));
    QJsonArray refused = o.value("refused").toArray();
    QVERIFY2(refused.size() == 1, qPrintable(r.describe()));
    QString reported = refused.first()["file"].toString();
    QVERIFY2(QFileInfo(reported).isAbsolute(), qPrintable(reported));
    QCOMPARE(canonical(reported), canonical(file));
    QString reason = refused.first()["reason"].toString();
    for (const QString& part : reasonHas) {
        QVERIFY2(reason.contains(part),
                 qPrintable(QStringLiteral("'%1' lacks '%2'").arg(reason, part)));
    }
}

// All fixtures and the example at once: the example loads, each fixture is refused on its own.
void TestPluginSdk::refusalsDoNotStopOthers() {
    const QStringList fixtures = {NW_PLUGIN_BAD_VERSION, NW_PLUGIN_DUPLICATE, NW_PLUGIN_INVALID,
                                  NW_PLUGIN_NO_ENTRY, NW_PLUGIN_NULL_ENTRY};
    QStringList args = {"plugins", "--json"};
    for (const QString& f : fixtures) {
        args << "--plugin" << f;
    }
    args << "--plugin" << NW_EXAMPLE_PLUGIN;
    Run r = cli(args, cleanEnv(m_data.path()));
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QJsonArray loaded = r.json().value("loaded").toArray();
    QVERIFY2(loaded.size() == 1, qPrintable(r.describe()));
    verifyExample(loaded.first().toObject(), NW_EXAMPLE_PLUGIN);
    if (QTest::currentTestFailed()) {
        return;
    }
    QStringList refusedFiles;
    for (const QJsonValue& v : r.json().value("refused").toArray()) {
        refusedFiles << canonical(v["file"].toString());
    }
    QStringList expected;
    for (const QString& f : fixtures) {
        expected << canonical(f);
    }
    refusedFiles.sort();
    expected.sort();
    QCOMPARE(refusedFiles, expected);
}

// Without --json: each loaded plugin's name, version, file and ops; each refused file and why.
void TestPluginSdk::humanReadableListing() {
    Run r = cli({"plugins", "--plugin", NW_EXAMPLE_PLUGIN, "--plugin", NW_PLUGIN_BAD_VERSION},
                cleanEnv(m_data.path()));
    QVERIFY2(r.code == 0, qPrintable(r.describe()));
    QString out = QString::fromUtf8(r.out);
    const QStringList expected = {"netwright-examples",
                                  "1.0.0",
                                  "LearnedSwish",
                                  "SqueezeExcite",
                                  canonical(NW_EXAMPLE_PLUGIN),
                                  canonical(NW_PLUGIN_BAD_VERSION),
                                  "SDK 99.0"};
    for (const QString& part : expected) {
        QVERIFY2(out.contains(part), qPrintable(QStringLiteral("no '%1' in:\n%2").arg(part, out)));
    }
}

// -fvisibility=hidden: the example's only exported function is nw_plugin_entry, and nothing
// of its own namespace is visible. (Weak symbols of the standard library's templates may be.)
void TestPluginSdk::exampleExportsOnlyItsEntry() {
    Run r = runProgram(QStringLiteral("nm"), {"-D", "--defined-only", NW_EXAMPLE_PLUGIN});
    if (r.code != 0) {
        QSKIP(qPrintable("nm cannot list the plugin's symbols: " + r.describe()));
    }
    QStringList functions;
    for (const QByteArray& line : r.out.split('\n')) {
        QList<QByteArray> f = line.simplified().split(' ');
        if (f.size() == 3 && (f[1] == "T" || f[1] == "D" || f[1] == "B" || f[1] == "R")) {
            functions << QString::fromUtf8(f[2]);
        }
    }
    QCOMPARE(functions, QStringList{"nw_plugin_entry"});
    QVERIFY2(!r.out.contains("nw_examples"), r.out.constData());
}

// The component plugin_sdk installs the header (as in the tree) and the package files only.
void TestPluginSdk::installedSdkFiles() {
    QString p = m_prefix.path();
    QFile installed(p + "/include/netwright/plugin.h");
    QFile source(QStringLiteral(NW_SOURCE_DIR) + "/plugins/sdk/include/netwright/plugin.h");
    QVERIFY(installed.open(QIODevice::ReadOnly) && source.open(QIODevice::ReadOnly));
    QCOMPARE(installed.readAll(), source.readAll());
    QDir cmakeDir(p + "/lib/cmake/NetwrightPluginSDK");
    for (const char* f : {"NetwrightPluginSDKConfig.cmake", "NetwrightPluginSDKConfigVersion.cmake",
                          "NetwrightPluginSDKTargets.cmake"}) {
        QVERIFY2(cmakeDir.exists(f), f);
    }
    QCOMPARE(QDir(p).entryList(QDir::AllEntries | QDir::NoDotAndDotDot),
             QStringList({"include", "lib"}));
    QCOMPARE(QDir(p + "/include/netwright").entryList(QDir::Files), QStringList{"plugin.h"});
}

void TestPluginSdk::sdkVersionCompatibility_data() {
    QTest::addColumn<QString>("requested");
    QTest::addColumn<bool>("found");
    QTest::newRow("1.0") << "1.0" << true;
    QTest::newRow("1") << "1" << true;
    QTest::newRow("0.9: an older major") << "0.9" << false;
    QTest::newRow("1.1: a newer minor") << "1.1" << false;
    QTest::newRow("2.0: a newer major") << "2.0" << false;
}

// find_package(NetwrightPluginSDK <requested>) against the installed 1.0: the same major, and
// not a newer minor. A found package gives Netwright::PluginSDK with the installed include dir.
void TestPluginSdk::sdkVersionCompatibility() {
    QFETCH(QString, requested);
    QFETCH(bool, found);
    QTemporaryDir dir;
    QFile lists(dir.path() + "/CMakeLists.txt");
    QVERIFY(lists.open(QIODevice::WriteOnly));
    lists.write("cmake_minimum_required(VERSION 3.16)\nproject(probe LANGUAGES NONE)\n"
                "find_package(NetwrightPluginSDK " +
                requested.toUtf8() +
                " REQUIRED)\n"
                "get_target_property(dirs Netwright::PluginSDK INTERFACE_INCLUDE_DIRECTORIES)\n"
                "message(STATUS \"include: ${dirs}\")\n");
    lists.close();
    Run r =
        runProgram(QStringLiteral(NW_CMAKE_COMMAND), {"-S", dir.path(), "-B", dir.path() + "/build",
                                                      "-DCMAKE_PREFIX_PATH=" + m_prefix.path()});
    QVERIFY2((r.code == 0) == found, qPrintable(r.describe()));
    if (found) {
        QVERIFY2(r.out.contains("include: " + QFile::encodeName(m_prefix.path()) + "/include"),
                 qPrintable(r.describe()));
    }
}

// plugins/examples copied out of the tree builds against the installed SDK alone (CMake finds
// the package in the prefix), and netwright-cli loads the result with both ops.
void TestPluginSdk::exampleBuildsOutOfTree() {
    QTemporaryDir dir;
    QString src = dir.path() + "/myplugin", build = dir.path() + "/build";
    QDir from(QStringLiteral(NW_SOURCE_DIR) + "/plugins/examples");
    QDir().mkpath(src);
    for (const QString& f : from.entryList(QDir::Files)) {
        QVERIFY(QFile::copy(from.filePath(f), src + "/" + f));
    }
    Run configure = runProgram(
        QStringLiteral(NW_CMAKE_COMMAND),
        {"-S", src, "-B", build, "-G", NW_CMAKE_GENERATOR, "-DCMAKE_MAKE_PROGRAM=" NW_MAKE_PROGRAM,
         "-DCMAKE_CXX_COMPILER=" NW_CXX_COMPILER, "-DCMAKE_BUILD_TYPE=Release",
         "-DCMAKE_PREFIX_PATH=" + m_prefix.path()},
        QProcessEnvironment::systemEnvironment(), {}, 300000);
    QVERIFY2(configure.code == 0, qPrintable(configure.describe()));
    QFile cache(build + "/CMakeCache.txt");
    QVERIFY(cache.open(QIODevice::ReadOnly));
    QByteArray sdkDir = "NetwrightPluginSDK_DIR:PATH=" + QFile::encodeName(m_prefix.path()) +
                        "/lib/cmake/NetwrightPluginSDK";
    QVERIFY2(cache.readAll().contains(sdkDir), sdkDir.constData());

    Run make = runProgram(QStringLiteral(NW_CMAKE_COMMAND), {"--build", build},
                          QProcessEnvironment::systemEnvironment(), {}, 300000);
    QVERIFY2(make.code == 0, qPrintable(make.describe()));
    QString built = build + "/" + QFileInfo(NW_EXAMPLE_PLUGIN).fileName();
    QVERIFY2(QFileInfo::exists(built), qPrintable(built));

    Run r = cli({"plugins", "--json", "--plugin", built}, cleanEnv(m_data.path()));
    verifyOnlyExample(r, built);
}

QTEST_GUILESS_MAIN(TestPluginSdk)
#include "test_plugin_sdk.moc"
