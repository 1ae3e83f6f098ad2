#include "ui/welcome_page.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QGridLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QVBoxLayout>

namespace nw::ui {

namespace {

constexpr int kPathRole = Qt::UserRole;

// A project file's "name" and "description" (read without the op registry: only for show).
std::pair<QString, QString> describe(const QString& path) {
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        return {QFileInfo(path).completeBaseName(), {}};
    }
    const QJsonObject doc = QJsonDocument::fromJson(file.readAll()).object();
    QString name = doc.value(QStringLiteral("name")).toString();
    return {name.isEmpty() ? QFileInfo(path).completeBaseName() : name,
            doc.value(QStringLiteral("description")).toString()};
}

QLabel* heading(const QString& text, QWidget* parent) {
    auto* label = new QLabel(text, parent);
    QFont font = label->font();
    font.setPointSizeF(font.pointSizeF() * 1.25);
    font.setBold(true);
    label->setFont(font);
    return label;
}

} // namespace

WelcomePage::WelcomePage(QWidget* parent)
    : QWidget(parent)
    , m_templates(new QListWidget(this))
    , m_recent(new QListWidget(this))
    , m_sample(new QPushButton(tr("Open the Sample (Fashion-MNIST CNN)"), this))
    , m_noRecent(new QLabel(tr("Projects you open or save appear here."), this)) {
    setObjectName(QStringLiteral("welcomePage"));
    auto* title = new QLabel(tr("Welcome to Netwright"), this);
    QFont big = title->font();
    big.setPointSizeF(big.pointSizeF() * 2);
    big.setBold(true);
    title->setFont(big);
    auto* subtitle =
        new QLabel(tr("Draw a network, point it at a dataset, train it, compare runs, ship it."));
    subtitle->setEnabled(false);

    auto* newButton = new QPushButton(tr("New Empty Project"), this);
    auto* openButton = new QPushButton(tr("Open Project…"), this);
    connect(newButton, &QPushButton::clicked, this, &WelcomePage::newProjectRequested);
    connect(openButton, &QPushButton::clicked, this, &WelcomePage::openRequested);
    connect(m_sample, &QPushButton::clicked, this, [this] { emit templateChosen(samplePath()); });
    m_sample->setEnabled(QFile::exists(samplePath()));

    for (const QString& path : templatePaths()) {
        const auto [name, description] = describe(path);
        auto* item = new QListWidgetItem(description.isEmpty() ? name : name + "\n" + description);
        item->setData(kPathRole, path);
        item->setToolTip(tr("Start a new project from the template %1").arg(name));
        m_templates->addItem(item);
    }
    m_templates->setWordWrap(true);
    m_templates->setSpacing(3);
    connect(m_templates, &QListWidget::itemActivated, this, &WelcomePage::chooseTemplate);
    connect(m_templates, &QListWidget::itemClicked, this, &WelcomePage::chooseTemplate);
    connect(m_recent, &QListWidget::itemActivated, this,
            [this](QListWidgetItem* item) { emit recentChosen(item->data(kPathRole).toString()); });
    connect(m_recent, &QListWidget::itemClicked, this,
            [this](QListWidgetItem* item) { emit recentChosen(item->data(kPathRole).toString()); });
    m_noRecent->setEnabled(false);

    auto* start = new QVBoxLayout;
    start->addWidget(heading(tr("Start"), this));
    start->addWidget(newButton);
    start->addWidget(openButton);
    start->addWidget(m_sample);
    start->addSpacing(12);
    start->addWidget(heading(tr("New from Template"), this));
    start->addWidget(m_templates, 1);

    auto* recent = new QVBoxLayout;
    recent->addWidget(heading(tr("Recent Projects"), this));
    recent->addWidget(m_noRecent);
    recent->addWidget(m_recent, 1);

    auto* columns = new QGridLayout;
    columns->setHorizontalSpacing(40);
    columns->addLayout(start, 0, 0);
    columns->addLayout(recent, 0, 1);
    columns->setColumnStretch(0, 1);
    columns->setColumnStretch(1, 1);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(60, 40, 60, 40);
    layout->addWidget(title);
    layout->addWidget(subtitle);
    layout->addSpacing(24);
    layout->addLayout(columns, 1);
    setRecentFiles({});
}

QStringList WelcomePage::templatePaths() {
    QStringList out;
    const QDir dir(QStringLiteral(":/templates"));
    for (const QString& name :
         dir.entryList({QStringLiteral("*.nwproj")}, QDir::Files, QDir::Name)) {
        out << dir.filePath(name);
    }
    return out;
}

QString WelcomePage::samplePath() {
    return QStringLiteral(":/samples/fashion-mnist-cnn.nwproj");
}

void WelcomePage::setRecentFiles(const QStringList& files) {
    m_recent->clear();
    for (const QString& path : files) {
        auto* item = new QListWidgetItem(
            QStringLiteral("%1\n%2").arg(QFileInfo(path).completeBaseName(), path), m_recent);
        item->setData(kPathRole, path);
        item->setToolTip(path);
        if (!QFileInfo::exists(path)) {
            item->setFlags(item->flags() & ~Qt::ItemIsEnabled);
            item->setToolTip(tr("%1 (not found)").arg(path));
        }
    }
    m_noRecent->setVisible(files.isEmpty());
}

void WelcomePage::chooseTemplate(QListWidgetItem* item) {
    if (item) {
        emit templateChosen(item->data(kPathRole).toString());
    }
}

} // namespace nw::ui
