// What `depict serve --queue` and `depict worker` say to each other through Redis:
//   depict:jobs    a stream of jobs (fields job, params, deadline_ms), read by the workers'
//                  consumer group depict-workers; an entry stays pending until its worker
//                  acknowledges it with the job's end, so a worker's death loses nothing
//   depict:events  a stream of what happened to each job (fields job, type start|step|end,
//                  data), read by the server; the end and the acknowledgement are one
//                  transaction, so a job ends exactly once
//   depict:dead    jobs that failed every delivery, with the error (the dead letters)
//   depict:cancel:ID  set (with an expiry) when a job is cancelled; workers look at every step
#ifndef DEPICT_SERVICE_REDIS_PROTOCOL_H_
#define DEPICT_SERVICE_REDIS_PROTOCOL_H_

#include <nlohmann/json.hpp>
#include <string>

#include "service/generate_params.h"
#include "service/scheduler.h"

namespace depict::service::redis {

inline constexpr const char* kJobs = "depict:jobs";
inline constexpr const char* kGroup = "depict-workers";
inline constexpr const char* kEvents = "depict:events";
inline constexpr const char* kDead = "depict:dead";
inline constexpr const char* kEventsMaxLen = "100000";  // the events stream is trimmed (~)
inline std::string CancelKey(const std::string& id) { return "depict:cancel:" + id; }

nlohmann::json ParamsJson(const GenerateParams& p);
// Throws std::invalid_argument for a document that is not ParamsJson's form.
GenerateParams ParamsFromJson(const nlohmann::json& j);

}  // namespace depict::service::redis

#endif  // DEPICT_SERVICE_REDIS_PROTOCOL_H_
