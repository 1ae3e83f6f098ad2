#pragma once
// The block library: blocks saved for reuse across projects. Each block is one file,
// "<name>.nwblock", holding a graph fragment (graph/fragment.h: the block's nodes, its inner
// edges and the block itself), so inserting one is a paste. QtCore only.

#include "base/expected.h"

#include <QString>
#include <QStringList>

namespace nw::app {

class BlockLibrary {
public:
    // `directory` is created on the first save.
    explicit BlockLibrary(QString directory = defaultDirectory());

    // <application data location>/blocks.
    static QString defaultDirectory();
    const QString& directory() const { return m_directory; }

    // Saved block names, sorted case-insensitively.
    QStringList names() const;
    // Saves (or replaces) a block under `name`; characters that cannot be in a file name are
    // replaced. Fails with a message naming the file.
    Status save(const QString& name, const QString& fragmentJson);
    // The fragment JSON saved under `name`.
    Expected<QString> load(const QString& name) const;

private:
    QString fileFor(const QString& name) const;

    QString m_directory;
};

} // namespace nw::app
