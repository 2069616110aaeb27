#include "service/redis_client.h"

#include <hiredis/hiredis.h>

namespace depict::service {
namespace {

RedisReply Convert(const redisReply* r) {
  RedisReply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.text.assign(r->str, r->len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r->integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      for (size_t i = 0; i < r->elements; ++i) out.elements.push_back(Convert(r->element[i]));
      break;
    default:
      break;
  }
  return out;
}

StreamEntry Entry(const RedisReply& r) {
  StreamEntry entry;
  if (r.type != RedisReply::Type::kArray || r.elements.size() < 2) return entry;
  entry.id = r.elements[0].text;
  const auto& kv = r.elements[1].elements;
  for (size_t i = 0; i + 1 < kv.size(); i += 2)
    entry.fields.emplace_back(kv[i].text, kv[i + 1].text);
  return entry;
}

}  // namespace

RedisAddress ParseRedisUrl(const std::string& url) {
  const std::string scheme = "redis://";
  if (url.rfind(scheme, 0) != 0) {
    throw std::invalid_argument("queue '" + url + "': expected redis://HOST:PORT");
  }
  std::string rest = url.substr(scheme.size());
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  RedisAddress address;
  size_t colon = rest.rfind(':');
  if (!rest.empty() && rest[0] == '[') {  // [v6]:port
    const size_t close = rest.find(']');
    if (close == std::string::npos) throw std::invalid_argument("queue '" + url + "': bad host");
    address.host = rest.substr(1, close - 1);
    colon = rest.size() > close + 1 && rest[close + 1] == ':' ? close + 1 : std::string::npos;
  } else {
    address.host = rest.substr(0, colon);
  }
  if (colon != std::string::npos) {
    try {
      size_t used = 0;
      address.port = std::stoi(rest.substr(colon + 1), &used);
      if (used != rest.size() - colon - 1 || address.port < 1 || address.port > 65535) {
        throw std::invalid_argument("port");
      }
    } catch (const std::exception&) {
      throw std::invalid_argument("queue '" + url + "': the port must be 1..65535");
    }
  }
  if (address.host.empty()) throw std::invalid_argument("queue '" + url + "': no host");
  return address;
}

RedisClient::RedisClient(const RedisAddress& address, int timeout_ms) {
  const timeval timeout = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  context_ = redisConnectWithTimeout(address.host.c_str(), address.port, timeout);
  if (context_ == nullptr || context_->err) {
    const std::string why = context_ != nullptr ? context_->errstr : "out of memory";
    if (context_ != nullptr) redisFree(context_);
    context_ = nullptr;
    throw RedisError("redis://" + address.host + ":" + std::to_string(address.port) + ": " + why);
  }
}

RedisClient::~RedisClient() {
  if (context_ != nullptr) redisFree(context_);
}

RedisReply RedisClient::Run(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(context_, static_cast<int>(args.size()), argv.data(), lengths.data()));
  if (reply == nullptr) {
    throw RedisError("redis: " + std::string(context_->errstr[0] ? context_->errstr : "no reply"));
  }
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> owned(reply, freeReplyObject);
  if (reply->type == REDIS_REPLY_ERROR) throw RedisError("redis: " + std::string(reply->str));
  return Convert(reply);
}

std::string StreamEntry::Field(const std::string& name) const {
  for (const auto& [k, v] : fields) {
    if (k == name) return v;
  }
  return "";
}

std::vector<StreamEntry> StreamEntries(const RedisReply& reply) {
  std::vector<StreamEntry> out;
  if (reply.type != RedisReply::Type::kArray) return out;
  // XREAD: [[stream, [entries]]]; XRANGE: [entries].
  const bool nested = !reply.elements.empty() && reply.elements[0].elements.size() == 2 &&
                      reply.elements[0].elements[0].type == RedisReply::Type::kString &&
                      reply.elements[0].elements[1].type == RedisReply::Type::kArray &&
                      (reply.elements[0].elements[1].elements.empty() ||
                       reply.elements[0].elements[1].elements[0].type == RedisReply::Type::kArray);
  const std::vector<RedisReply>& entries =
      nested ? reply.elements[0].elements[1].elements : reply.elements;
  for (const RedisReply& r : entries) {
    StreamEntry e = Entry(r);
    if (!e.id.empty()) out.push_back(std::move(e));
  }
  return out;
}

}  // namespace depict::service
