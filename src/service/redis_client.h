// A small synchronous Redis client over hiredis (Debian libhiredis-dev): one connection, commands
// as argument vectors (binary-safe), replies as a tree. Not thread-safe: one per thread, or
// behind the caller's lock.
#ifndef DEPICT_SERVICE_REDIS_CLIENT_H_
#define DEPICT_SERVICE_REDIS_CLIENT_H_

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

struct redisContext;

namespace depict::service {

// A connection or protocol failure, or an error reply (what() has Redis's text).
class RedisError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct RedisReply {
  enum class Type { kNil, kString, kInteger, kArray, kStatus };
  Type type = Type::kNil;
  std::string text;  // kString, kStatus
  int64_t integer = 0;
  std::vector<RedisReply> elements;  // kArray
};

struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
};
// "redis://HOST:PORT" (HOST may be [v6]); throws std::invalid_argument naming the form.
RedisAddress ParseRedisUrl(const std::string& url);

class RedisClient {
 public:
  // Connects (within `timeout_ms`); throws RedisError.
  explicit RedisClient(const RedisAddress& address, int timeout_ms = 2000);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  // Runs one command; an error reply or a broken connection throws RedisError. A command that
  // blocks (XREAD BLOCK) waits on the server's side: the socket has no read timeout.
  RedisReply Run(const std::vector<std::string>& args);

 private:
  redisContext* context_ = nullptr;
};

// Stream entries of an XREAD/XREADGROUP/XRANGE reply: id and field -> value pairs.
struct StreamEntry {
  std::string id;
  std::vector<std::pair<std::string, std::string>> fields;
  std::string Field(const std::string& name) const;  // "" when absent
};
// The entries of an XREAD/XREADGROUP reply (one stream) or of an XRANGE/XAUTOCLAIM list.
std::vector<StreamEntry> StreamEntries(const RedisReply& reply);

}  // namespace depict::service

#endif  // DEPICT_SERVICE_REDIS_CLIENT_H_
