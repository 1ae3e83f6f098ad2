#pragma once
// Runs the built netwright-cli (NW_CLI_PATH, a compile definition of the test) and collects
// its exit status and output: shared by the tests that drive the CLI end to end.

#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>

namespace nw::testing {

struct CliRun {
    int exitCode = -1; // -2: crashed; -1: did not run to completion
    QString out;
    QString err;

    // The last line of stdout as a JSON object (the CLI's --json contract).
    QJsonObject lastJson() const {
        auto lines = out.trimmed().split('\n');
        return QJsonDocument::fromJson(lines.last().toUtf8()).object();
    }
    // "exit 2 / stdout: ... / stderr: ...", for failure messages.
    QString describe() const {
        return QString("exit %1\nstdout: %2\nstderr: %3").arg(exitCode).arg(out, err);
    }
};

inline CliRun runCli(const QStringList& args, const QProcessEnvironment& env = {},
                     int timeoutMs = 120000) {
    QProcess p;
    if (!env.isEmpty()) {
        p.setProcessEnvironment(env);
    }
    p.start(NW_CLI_PATH, args);
    CliRun r;
    if (!p.waitForStarted(10000) || !p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
        r.err = "netwright-cli did not run to completion: " + p.errorString();
        return r;
    }
    r.out = QString::fromUtf8(p.readAllStandardOutput());
    r.err = QString::fromUtf8(p.readAllStandardError());
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -2;
    return r;
}

} // namespace nw::testing
