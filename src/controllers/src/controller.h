// The framework every controller is written on: a context (API client, shared informers,
// events, options), a queue-driven worker loop, and the registration lists.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "client/client.h"
#include "client/events.h"
#include "client/informer.h"
#include "client/workqueue.h"
#include "controllers/controller_manager.h"

namespace k3s::controllers {

using client::Json;
using client::ObjectPtr;

struct ControllerContext {
  client::Client& client;
  client::SharedInformerFactory& informers;
  const ControllerManagerOptions& options;
};

class Controller {
 public:
  virtual ~Controller() = default;
  // Called once the shared informers have synced; returns when `stop` is requested.
  virtual void run(std::stop_token stop) = 0;
};

// A controller whose work is keys in a rate-limited queue: handlers enqueue
// "namespace/name" keys, workers call sync(key). A sync that throws is retried with the
// queue's exponential backoff; one that returns is forgotten. One worker is always there;
// up to concurrent_syncs - 1 more start while keys wait for a worker and leave after a
// while without work, so an idle cluster does not keep five threads per controller.
class QueueController : public Controller {
 public:
  QueueController(ControllerContext& context, std::string name);
  ~QueueController() override;

  void run(std::stop_token stop) override;

  void enqueue(const std::string& key) { queue_.add(key); }
  void enqueue(const Json& object) { queue_.add(client::object_key(object)); }
  void enqueue_after(const std::string& key, std::chrono::milliseconds delay) { queue_.add_after(key, delay); }

  enum class Deletes { enqueue, ignore };
  // The handlers for a controller's own resource: every added or updated object is enqueued,
  // and with Deletes::enqueue the key of a deleted one too (to clean up after it).
  client::EventHandlers enqueue_handlers(Deletes deletes);

 protected:
  virtual void sync(const std::string& key) = 0;
  // Extra work run() does before the workers start (e.g. an initial full pass), and
  // periodic work on its own thread (node-lifecycle's monitor); default: nothing.
  virtual void before_workers() {}
  virtual std::chrono::milliseconds periodic_interval() const { return std::chrono::milliseconds(0); }
  virtual void periodic() {}

  const std::string& name() const { return name_; }
  client::Client& api() { return context_.client; }
  client::SharedInformerFactory& informers() { return context_.informers; }
  const ControllerManagerOptions& options() const { return context_.options; }
  client::EventRecorder& events() { return recorder_; }
  client::WorkQueue& queue() { return queue_; }

 private:
  struct ExtraWorkers;
  // Syncs keys until the queue shuts down or, when `idle` is set, no key came for that long.
  void work(std::optional<std::chrono::steady_clock::duration> idle);
  void start_extra_worker();
  void run_periodic(std::stop_token stop);

  ControllerContext& context_;
  std::string name_;
  client::EventRecorder recorder_;
  client::WorkQueue queue_;
  std::shared_ptr<ExtraWorkers> extra_;
};

// One entry per controller, named as kube-controller-manager names it ("deployment",
// "replicaset", "namespace", "garbage-collector", ...). `make` registers the controller's
// informer handlers; the manager starts the informers afterwards.
struct ControllerDescriptor {
  std::string name;
  std::function<std::unique_ptr<Controller>(ControllerContext&)> make;
  bool enabled_by_default = true;
};

// Each group lives in its own folder and appends its controllers here.
void register_apps_controllers(std::vector<ControllerDescriptor>& out);   // apps/
void register_core_controllers(std::vector<ControllerDescriptor>& out);   // core/
void register_batch_controllers(std::vector<ControllerDescriptor>& out);  // batch/

}  // namespace k3s::controllers
