#include "app/block_library.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStandardPaths>

namespace nw::app {

namespace {

constexpr auto kSuffix = ".nwblock";

} // namespace

BlockLibrary::BlockLibrary(QString directory)
    : m_directory(std::move(directory)) {}

QString BlockLibrary::defaultDirectory() {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) +
           QStringLiteral("/blocks");
}

QString BlockLibrary::fileFor(const QString& name) const {
    QString safe = name.trimmed();
    safe.replace(QRegularExpression(QStringLiteral(R"([/\\:*?"<>|\x00-\x1f])")),
                 QStringLiteral("_"));
    return QDir(m_directory).filePath(safe + QLatin1String(kSuffix));
}

QStringList BlockLibrary::names() const {
    QStringList out;
    const auto files = QDir(m_directory).entryInfoList({QStringLiteral("*.nwblock")}, QDir::Files);
    for (const auto& info : files) {
        out << info.completeBaseName();
    }
    out.sort(Qt::CaseInsensitive);
    return out;
}

Status BlockLibrary::save(const QString& name, const QString& fragmentJson) {
    if (name.trimmed().isEmpty()) {
        return Error::user("a block needs a name");
    }
    const QString path = fileFor(name);
    if (!QDir().mkpath(m_directory)) {
        return Error::user(m_directory.toStdString() + ": cannot create the block library");
    }
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(fragmentJson.toUtf8()) < 0 ||
        !file.commit()) {
        return Error::user(path.toStdString() + ": cannot write the block");
    }
    return Status::success();
}

Expected<QString> BlockLibrary::load(const QString& name) const {
    const QString path = fileFor(name);
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return Error::user(path.toStdString() + ": cannot read the block");
    }
    return QString::fromUtf8(file.readAll());
}

} // namespace nw::app
