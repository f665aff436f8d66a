#include "app/JsonFields.h"

namespace sb::app {

JsonFields::JsonFields(QJsonObject object, QString path)
    : JsonFields(std::move(object), std::move(path), std::make_shared<QStringList>())
{}

JsonFields::JsonFields(QJsonObject object, QString path, std::shared_ptr<QStringList> problems)
    : m_object(std::move(object))
    , m_path(std::move(path))
    , m_problems(std::move(problems))
{}

QString JsonFields::name(const char* key) const
{
    const QString field = QString::fromLatin1(key);
    return m_path.isEmpty() ? field : m_path + QLatin1Char('.') + field;
}

double JsonFields::number(const char* key)
{
    const QJsonValue value = m_object.value(QLatin1String(key));
    if (!value.isDouble()) {
        m_problems->append(name(key));
        return 0;
    }
    return value.toDouble();
}

QString JsonFields::string(const char* key)
{
    const QJsonValue value = m_object.value(QLatin1String(key));
    if (!value.isString()) {
        m_problems->append(name(key));
        return {};
    }
    return value.toString();
}

JsonFields JsonFields::object(const char* key)
{
    const QJsonValue value = m_object.value(QLatin1String(key));
    if (!value.isObject()) {
        m_problems->append(name(key));
    }
    return JsonFields(value.toObject(), name(key), m_problems);
}

double JsonFields::numberOr(const char* key, double fallback) const
{
    const QJsonValue value = m_object.value(QLatin1String(key));
    return value.isDouble() ? value.toDouble() : fallback;
}

} // namespace sb::app
