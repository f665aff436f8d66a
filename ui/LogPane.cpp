#include "ui/LogPane.h"

#include <QtGui/QFontDatabase>
#include <QtWidgets/QComboBox>
#include <QtWidgets/QHBoxLayout>
#include <QtWidgets/QLabel>
#include <QtWidgets/QLineEdit>
#include <QtWidgets/QListView>
#include <QtWidgets/QPushButton>
#include <QtWidgets/QScrollBar>
#include <QtWidgets/QVBoxLayout>

#include "app/LogFilterModel.h"
#include "app/LogModel.h"
#include "ui/LogLevelDelegate.h"

namespace sb::ui {

LogPane::LogPane(app::LogModel& model, QWidget* parent)
    : QWidget(parent)
    , m_model(model)
    , m_filter(new app::LogFilterModel(this))
    , m_level(new QComboBox(this))
    , m_text(new QLineEdit(this))
    , m_view(new QListView(this))
{
    m_filter->setSourceModel(&m_model);

    m_level->setObjectName(QStringLiteral("logLevel"));
    for (int level = app::LogLine::Trace; level <= app::LogLine::Critical; ++level) {
        m_level->addItem(tr("%1 and above")
                             .arg(app::LogLine::levelName(static_cast<app::LogLine::Level>(level))),
                         level);
    }
    m_text->setObjectName(QStringLiteral("logFilter"));
    m_text->setPlaceholderText(tr("Filter"));
    m_text->setClearButtonEnabled(true);
    auto* clear = new QPushButton(tr("Clear"), this);

    // Uniform rows let the view lay out 10,000 lines without measuring each.
    m_view->setUniformItemSizes(true);
    m_view->setModel(m_filter);
    m_view->setItemDelegate(new LogLevelDelegate(m_view));
    m_view->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_view->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_view->setHorizontalScrollBarPolicy(Qt::ScrollBarAsNeeded);
    m_view->setObjectName(QStringLiteral("logView"));

    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Show:"), this));
    bar->addWidget(m_level);
    bar->addWidget(m_text, 1);
    bar->addWidget(clear);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(4, 4, 4, 4);
    layout->addLayout(bar);
    layout->addWidget(m_view, 1);

    connect(m_level, &QComboBox::currentIndexChanged, this, [this] {
        m_filter->setMinimumLevel(static_cast<app::LogLine::Level>(m_level->currentData().toInt()));
        Q_EMIT minimumLevelChanged(m_level->currentData().toInt());
    });
    connect(m_text, &QLineEdit::textChanged, m_filter, &app::LogFilterModel::setText);
    connect(clear, &QPushButton::clicked, &m_model, &app::LogModel::clear);
    // Follow new lines only when the end was in view: someone reading older lines keeps
    // their place.
    connect(m_filter, &QAbstractItemModel::rowsAboutToBeInserted, this, [this] {
        const QScrollBar* scroll = m_view->verticalScrollBar();
        m_follow = scroll->value() >= scroll->maximum() - 2;
    });
    connect(m_filter, &QAbstractItemModel::rowsInserted, this, [this] {
        if (m_follow) {
            m_view->scrollToBottom();
        }
    });
    setMinimumLevel(app::LogLine::Info);
}

void LogPane::setMinimumLevel(int level)
{
    const int index = m_level->findData(level);
    if (index >= 0) {
        m_level->setCurrentIndex(index);
    }
}

int LogPane::minimumLevel() const
{
    return m_level->currentData().toInt();
}

int LogPane::visibleLines() const
{
    return m_filter->rowCount();
}

} // namespace sb::ui
