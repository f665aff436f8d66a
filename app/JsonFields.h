#pragma once

#include <memory>

#include <QtCore/QJsonObject>
#include <QtCore/QString>
#include <QtCore/QStringList>

namespace sb::app {

// Reads the fields of one admin API object, remembering every required field that was missing
// or of the wrong type, so a parser can check once at the end and name what was wrong.
class JsonFields
{
public:
    explicit JsonFields(QJsonObject object, QString path = {});

    // Required: a missing or mistyped field is recorded and the default returned.
    double number(const char* key);
    QString string(const char* key);
    JsonFields object(const char* key);
    // Optional: the default when missing, no complaint.
    double numberOr(const char* key, double fallback) const;

    // Problems of this object and of the objects taken from it with object().
    bool ok() const { return m_problems->isEmpty(); }
    QString problems() const { return m_problems->join(QStringLiteral(", ")); }
    const QJsonObject& json() const { return m_object; }

private:
    JsonFields(QJsonObject object, QString path, std::shared_ptr<QStringList> problems);
    QString name(const char* key) const;

    QJsonObject m_object;
    QString m_path;
    std::shared_ptr<QStringList> m_problems;
};

} // namespace sb::app
