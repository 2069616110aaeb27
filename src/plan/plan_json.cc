#include "plan/plan_json.h"

namespace depict::plan {
namespace {

using cast::Dim;

void AppendValues(std::string& out, Dim dim, cast::ValueSet values) {
  out += '[';
  bool first = true;
  for (int v = 0; v < cast::ValueCount(dim); ++v) {
    if (!cast::Has(values, v)) continue;
    if (!first) out += ',';
    first = false;
    out += '"';
    out += cast::ValueName(dim, v);
    out += '"';
  }
  out += ']';
}

void AppendMember(std::string& out, const cast::Member& m) {
  out += '{';
  for (Dim dim : cast::kDims) {
    if (dim != Dim::kGender) out += ',';
    out += '"';
    out += cast::DimName(dim);
    out += "\":";
    const int v = m.values[static_cast<int>(dim)];
    if (v < 0) {
      out += "null";
    } else {
      out += '"';
      out += cast::ValueName(dim, v);
      out += '"';
    }
  }
  out += '}';
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}

std::string ErrorJson(std::string_view message) {
  std::string out = "{\"error\":";
  AppendJsonString(out, message);
  out += '}';
  return out;
}

namespace {

void AppendPeople(std::string& out, const Plan& plan) {
  out += '[';
  for (size_t p = 0; p < plan.people.size(); ++p) {
    const cast::Person& person = plan.people[p];
    if (p > 0) out += ',';
    out += "{\"text\":";
    AppendJsonString(out, person.text);
    out += ",\"start\":" + std::to_string(person.start);
    out += ",\"end\":" + std::to_string(person.end);
    out += ",\"named\":";
    out += person.named ? "true" : "false";
    out += ",\"group\":";
    out += person.group ? "true" : "false";
    out += ",\"members\":" + std::to_string(person.members);
    out += ",\"attributes\":{";
    for (Dim dim : cast::kDims) {
      const cast::Decision& d = person.attributes[static_cast<int>(dim)];
      if (dim != Dim::kGender) out += ',';
      out += '"';
      out += cast::DimName(dim);
      out += "\":{\"source\":\"";
      out += cast::SourceName(d.source);
      out += "\",\"values\":";
      AppendValues(out, dim, d.values);
      out += ",\"reason\":";
      AppendJsonString(out, d.reason);
      out += '}';
    }
    out += "}}";
  }
  out += ']';
}

void AppendImage(std::string& out, const Plan& plan, size_t i) {
  const cast::ImageCast& image = plan.images[i];
  out += "{\"seed\":" + std::to_string(image.seed) + ",\"prompt\":";
  AppendJsonString(out, image.prompt);
  if (plan.language != lang::Language::kEn) {
    out += ",\"display_prompt\":";
    AppendJsonString(out, image.display_prompt);
  }
  out += ",\"cast\":[";
  for (size_t p = 0; p < image.people.size(); ++p) {
    if (p > 0) out += ',';
    const auto& members = image.people[p];
    if (plan.people[p].group || members.size() > 1) {
      out += '[';
      for (size_t m = 0; m < members.size(); ++m) {
        if (m > 0) out += ',';
        AppendMember(out, members[m]);
      }
      out += ']';
    } else if (!members.empty()) {
      AppendMember(out, members[0]);
    } else {
      out += "null";
    }
  }
  out += "]}";
}

}  // namespace

std::string ToJson(const Plan& plan) {
  std::string out;
  out.reserve(512 + plan.images.size() * (plan.prompt.size() + 160));
  out += "{\"prompt\":";
  AppendJsonString(out, plan.prompt);
  out += ",\"language\":\"";
  out += lang::Code(plan.language);
  out += '"';
  if (plan.language != lang::Language::kEn) {
    out += ",\"reading\":";
    AppendJsonString(out, plan.reading);
  }
  if (!plan.negative_prompt.empty()) {
    out += ",\"negative_prompt\":";
    AppendJsonString(out, plan.negative_prompt);
  }
  out += ",\"decision\":";
  out += plan.refusal ? "\"refuse\"" : "\"generate\"";
  out += ",\"refusal\":";
  if (plan.refusal) {
    out += "{\"category\":";
    AppendJsonString(out, plan.refusal->category);
    out += ",\"clause\":";
    AppendJsonString(out, plan.refusal->clause);
    out += ",\"message\":";
    AppendJsonString(out, plan.refusal->message);
    out += ",\"person\":";
    AppendJsonString(out, plan.refusal->person);
    out += ",\"act\":";
    AppendJsonString(out, plan.refusal->act);
    out += ",\"triggers\":[";
    for (size_t i = 0; i < plan.refusal->triggers.size(); ++i) {
      if (i > 0) out += ',';
      AppendJsonString(out, plan.refusal->triggers[i]);
    }
    out += "]}";
  } else {
    out += "null";
  }
  out += ",\"people\":";
  AppendPeople(out, plan);
  out += ",\"images\":[";
  for (size_t i = 0; i < plan.images.size(); ++i) {
    if (i > 0) out += ',';
    AppendImage(out, plan, i);
  }
  out += "]}";
  return out;
}

std::string ImageCastJson(const Plan& plan, size_t image) {
  std::string out = "{\"people\":";
  AppendPeople(out, plan);
  out += ",\"image\":";
  AppendImage(out, plan, image);
  out += '}';
  return out;
}

}  // namespace depict::plan
