// The "ttl-after-finished" controller: deletes a finished Job (and, in the background, its
// pods) once spec.ttlSecondsAfterFinished has passed since it completed or failed.
#include "batch/controllers.h"
#include "batch/job_util.h"
#include "object/meta.h"

namespace k3s::controllers::batch {

namespace {

using client::resources::kJobs;
namespace chrono = std::chrono;

std::optional<std::int64_t> ttl_of(const Json& job) {
  const Json spec = job.value("spec", Json::object());
  if (!spec.contains("ttlSecondsAfterFinished") || !spec["ttlSecondsAfterFinished"].is_number_integer())
    return std::nullopt;
  return spec["ttlSecondsAfterFinished"].get<std::int64_t>();
}

bool needs_cleanup(const Json& job) { return ttl_of(job) && is_job_finished(job) && !object::is_being_deleted(job); }

class TtlAfterFinishedController : public QueueController {
 public:
  explicit TtlAfterFinishedController(ControllerContext& context)
      : QueueController(context, "ttl-after-finished"), jobs_(informers().informer_for(kJobs)) {
    jobs_->add_event_handler({
        .on_add = [this](const ObjectPtr& j) { if (needs_cleanup(*j)) enqueue(*j); },
        .on_update = [this](const ObjectPtr&, const ObjectPtr& j) { if (needs_cleanup(*j)) enqueue(*j); },
        .on_delete = nullptr,
    });
  }

 protected:
  void sync(const std::string& key) override {
    const ObjectPtr cached = jobs_->indexer().get(key);
    if (!cached || !needs_cleanup(*cached)) return;
    if (auto wait = time_left(*cached); wait.count() > 0) return enqueue_after(key, wait);
    // The cache may be stale (the TTL just changed): decide on the live object.
    const auto [namespace_, name] = client::split_object_key(key);
    Json live;
    try {
      live = api().get(kJobs, namespace_, name);
    } catch (const client::ApiError& e) {
      if (e.is_not_found()) return;
      throw;
    }
    if (!needs_cleanup(live)) return;
    if (auto wait = time_left(live); wait.count() > 0) return enqueue_after(key, wait);
    client::DeleteOptions options;
    options.propagation_policy = "Background";
    options.precondition_uid = object::uid_of(live);
    options.precondition_resource_version = object::resource_version_of(live);
    try {
      api().remove(kJobs, namespace_, name, options);
    } catch (const client::ApiError& e) {
      if (!e.is_not_found()) throw;
    }
  }

 private:
  static chrono::milliseconds time_left(const Json& job) {
    const auto finished = job_finish_time(job);
    if (!finished) return chrono::milliseconds(0);
    const auto expires = *finished + chrono::seconds(*ttl_of(job));
    return chrono::duration_cast<chrono::milliseconds>(expires - object::now());
  }

  std::shared_ptr<client::SharedInformer> jobs_;
};

}  // namespace

std::unique_ptr<Controller> make_ttl_after_finished_controller(ControllerContext& context) {
  return std::make_unique<TtlAfterFinishedController>(context);
}

}  // namespace k3s::controllers::batch
