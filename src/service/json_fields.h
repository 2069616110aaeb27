// A client's JSON fields read without undefined behaviour. nlohmann's conversions of a number
// to another arithmetic type are unchecked (1e19 into a uint64_t, or 1e10 into an int, is
// undefined), so each number is checked against its type's range, and an integer field takes a
// float only when it is a whole number. A field that is missing or null gives the fallback; one
// of the wrong type or out of range throws RequestError(400) naming it.
#ifndef DEPICT_SERVICE_JSON_FIELDS_H_
#define DEPICT_SERVICE_JSON_FIELDS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace depict::service {

int IntField(const nlohmann::json& body, const char* name, int fallback);
int64_t Int64Field(const nlohmann::json& body, const char* name, int64_t fallback);
uint64_t Uint64Field(const nlohmann::json& body, const char* name, uint64_t fallback);
float FloatField(const nlohmann::json& body, const char* name, float fallback);
double DoubleField(const nlohmann::json& body, const char* name, double fallback);
std::string StringField(const nlohmann::json& body, const char* name, const std::string& fallback);

}  // namespace depict::service

#endif  // DEPICT_SERVICE_JSON_FIELDS_H_
