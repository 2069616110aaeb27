// depict's job API: POST /v1/jobs queues a generation (202 and its id, 400 with the reasons
// when the planner refuses it, 429 with Retry-After when the queue is full); GET
// /v1/jobs/{id} reports it; DELETE cancels it; GET /v1/jobs/{id}/events streams its progress
// as Server-Sent Events and ends with its result. Jobs are their caller's only: another key
// gets 404.
#include "service/json_fields.h"
#include "service/service_internal.h"

namespace depict::service {
namespace {

using json = nlohmann::json;

constexpr auto kKeepAlive = std::chrono::seconds(10);

GenerateParams JobParams(const State& s, const json& body) {
  GenerateParams p;
  p.prompt = StringField(body, "prompt", "");
  p.negative_prompt = StringField(body, "negative_prompt", "");
  p.images = IntField(body, "n", IntField(body, "images", 1));
  p.width = IntField(body, "width", 512);
  p.height = IntField(body, "height", 512);
  p.steps = IntField(body, "steps", 20);
  p.cfg_scale = FloatField(body, "cfg_scale", 7.0f);
  p.seed = Int64Field(body, "seed", -1);
  p.sampler = StringField(body, "sampler_name", p.sampler);
  p.scheduler = StringField(body, "scheduler", p.scheduler);
  p.clip_skip = IntField(body, "clip_skip", 1);
  p.model = StringField(body, "model", s.default_model);
  return p;
}

void Submit(State& s, const httplib::Request& req, httplib::Response& res) {
  const GenerateParams p = JobParams(s, ParseBody(req));
  // The planner answers first: a refused prompt never waits in the queue.
  PreparedJob job = Prepare(s, p);
  if (job.plan.refusal) return SendRefusal(s, res, *job.plan.refusal);
  const std::string id = s.jobs->Submit(std::move(job), Caller(s, req));
  res.status = 202;
  res.set_header("Location", "/v1/jobs/" + id);
  res.set_content(json{{"id", id}, {"status", "queued"}}.dump(), "application/json");
}

void Events(State& s, const httplib::Request& req, httplib::Response& res) {
  const std::string id = req.matches[1];
  const std::string owner = Caller(s, req);
  if (!s.jobs->Status(id, owner)) throw RequestError(404, "not_found", "no such job");
  res.set_header("Cache-Control", "no-cache");
  auto seen = std::make_shared<uint64_t>(0);
  res.set_chunked_content_provider(
      "text/event-stream", [&s, id, owner, seen](size_t, httplib::DataSink& sink) {
        const uint64_t version = s.jobs->WaitForChange(id, owner, *seen, kKeepAlive);
        if (version == 0) {
          sink.done();
          return true;
        }
        if (version == *seen) {  // nothing new: keep the connection open
          static constexpr std::string_view kComment = ": keep-alive\n\n";
          return sink.write(kComment.data(), kComment.size());
        }
        *seen = version;
        const std::optional<json> status = s.jobs->Status(id, owner);
        if (!status) {
          sink.done();
          return true;
        }
        const std::string phase = (*status)["status"];
        const bool last = phase == "completed" || phase == "failed" || phase == "cancelled";
        const std::string event =
            "event: " + (last ? phase : std::string("progress")) +
            "\ndata: " + status->dump(-1, ' ', false, json::error_handler_t::replace) + "\n\n";
        if (!sink.write(event.data(), event.size())) return false;
        if (last) sink.done();
        return true;
      });
}

}  // namespace

void RegisterJobs(State& s) {
  s.http.Post("/v1/jobs",
              [&s](const httplib::Request& req, httplib::Response& res) { Submit(s, req, res); });
  s.http.Get(R"(/v1/jobs/([0-9a-f]{16}))",
             [&s](const httplib::Request& req, httplib::Response& res) {
               const std::optional<json> status = s.jobs->Status(req.matches[1], Caller(s, req));
               if (!status) throw RequestError(404, "not_found", "no such job");
               res.set_content(status->dump(-1, ' ', false, json::error_handler_t::replace),
                               "application/json");
             });
  s.http.Delete(R"(/v1/jobs/([0-9a-f]{16}))",
                [&s](const httplib::Request& req, httplib::Response& res) {
                  const std::string id = req.matches[1], owner = Caller(s, req);
                  if (!s.jobs->Cancel(id, owner))
                    throw RequestError(404, "not_found", "no such job");
                  res.set_content(s.jobs->Status(id, owner).value_or(json{{"id", id}}).dump(),
                                  "application/json");
                });
  s.http.Get(R"(/v1/jobs/([0-9a-f]{16})/events)",
             [&s](const httplib::Request& req, httplib::Response& res) { Events(s, req, res); });
}

}  // namespace depict::service
