#pragma once

#include <QtWidgets/QFrame>

class QLabel;

namespace sb::ui {

// One number of the Overview with its name and a line of context ("3" / "Connections" /
// "2 MQTT clients"), shown dimmed when it is not live.
class MetricTile : public QFrame
{
    Q_OBJECT

public:
    MetricTile(const QString& title, QWidget* parent = nullptr);

    void setValue(const QString& value, const QString& caption = {});
    // No live number: shows a dash and `reason` ("No data yet", "Unreachable").
    void setUnavailable(const QString& reason);

    QString value() const;
    QString caption() const;

protected:
    void changeEvent(QEvent* event) override;

private:
    void applyFonts();

    QLabel* m_title;
    QLabel* m_value;
    QLabel* m_caption;
};

} // namespace sb::ui
