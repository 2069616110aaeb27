#include "service/json_fields.h"

#include <cmath>
#include <limits>

#include "service/service_internal.h"

namespace depict::service {
namespace {

using json = nlohmann::json;

[[noreturn]] void Bad(const char* name, const char* what) {
  throw RequestError(400, "invalid_request", std::string(name) + " must be " + what);
}

const json* Find(const json& body, const char* name) {
  if (!body.is_object()) return nullptr;
  const auto it = body.find(name);
  return it == body.end() || it->is_null() ? nullptr : &*it;
}

template <class T>
T Integer(const json& body, const char* name, T fallback) {
  const json* v = Find(body, name);
  if (v == nullptr) return fallback;
  constexpr T kMin = std::numeric_limits<T>::min();
  constexpr T kMax = std::numeric_limits<T>::max();
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(kMax)) Bad(name, "a smaller number");
    return static_cast<T>(u);
  }
  if (v->is_number_integer()) {
    const int64_t i = v->get<int64_t>();
    if (i < 0 && (std::numeric_limits<T>::is_signed ? i < static_cast<int64_t>(kMin) : true)) {
      Bad(name, "a number in range");
    }
    if (i > 0 && static_cast<uint64_t>(i) > static_cast<uint64_t>(kMax)) {
      Bad(name, "a smaller number");
    }
    return static_cast<T>(i);
  }
  if (v->is_number_float()) {
    const double d = v->get<double>();
    // 2^digits is exactly representable; kMax as a double may round up past the range.
    const double above = std::ldexp(1.0, std::numeric_limits<T>::digits);
    const double below = std::numeric_limits<T>::is_signed ? -above : 0.0;
    if (!std::isfinite(d) || d != std::floor(d) || d < below || d >= above) {
      Bad(name, "a whole number in range");
    }
    return static_cast<T>(d);
  }
  Bad(name, "a number");
}

}  // namespace

int IntField(const json& body, const char* name, int fallback) {
  return Integer<int>(body, name, fallback);
}

int64_t Int64Field(const json& body, const char* name, int64_t fallback) {
  return Integer<int64_t>(body, name, fallback);
}

uint64_t Uint64Field(const json& body, const char* name, uint64_t fallback) {
  return Integer<uint64_t>(body, name, fallback);
}

float FloatField(const json& body, const char* name, float fallback) {
  const json* v = Find(body, name);
  if (v == nullptr) return fallback;
  if (!v->is_number()) Bad(name, "a number");
  const double d = v->get<double>();
  if (!std::isfinite(d) || std::abs(d) > std::numeric_limits<float>::max()) {
    Bad(name, "a finite number");
  }
  return static_cast<float>(d);
}

double DoubleField(const json& body, const char* name, double fallback) {
  const json* v = Find(body, name);
  if (v == nullptr) return fallback;
  if (!v->is_number()) Bad(name, "a number");
  const double d = v->get<double>();
  if (!std::isfinite(d)) Bad(name, "a finite number");
  return d;
}

std::string StringField(const json& body, const char* name, const std::string& fallback) {
  const json* v = Find(body, name);
  if (v == nullptr) return fallback;
  if (!v->is_string()) Bad(name, "a string");
  return v->get<std::string>();
}

}  // namespace depict::service
