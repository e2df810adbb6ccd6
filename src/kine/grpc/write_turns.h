// Watch streams take turns at their runs of writes. gRPC's callback API keeps one write in
// flight per stream and completes each on a shared pair of threads; when one event reaches
// 50 streams at once, their 50 chains of writes advance one write per turn of those
// threads, so no stream's run finishes (and flushes) until nearly all of them do. Letting
// only a couple of streams write at a time makes each run finish as soon as its own writes
// are done, and costs less CPU (fewer chains interleaved on the same threads).
//
// Turns only order the writes; they never hold one back for long: a stream kept waiting
// while no turn has ended for kPatience is let in beside the holders, so a stream whose
// client stopped reading delays the others by that much at most.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>

namespace k3s::kine::grpcserver {

class WriteTurns {
 public:
  // One per stream. The stream hands its turns on through it; once `leave()` returns, the
  // stream is never called again.
  class Seat {
   public:
    virtual ~Seat() = default;
    // The stream's turn has come: start writing and return true, or return false when it
    // has nothing to write any more (the turn passes on). Called with no WriteTurns lock held.
    virtual bool take_turn() = 0;
    void leave();

   private:
    friend class WriteTurns;
    std::mutex mutex_;  // held while take_turn runs, so leave() waits for a running call
    bool present_ = true;
  };

  explicit WriteTurns(int slots = 2);
  ~WriteTurns();
  WriteTurns(const WriteTurns&) = delete;
  WriteTurns& operator=(const WriteTurns&) = delete;

  // True: write now, the turn is yours. False: queued; take_turn() is called when it comes.
  bool request(const std::shared_ptr<Seat>& seat);
  // The holder's run of writes ended (or it stopped writing for good). Must not be called
  // while holding a lock that take_turn() takes.
  void release();

  static constexpr std::chrono::milliseconds kPatience{2};

 private:
  // Gives the caller's turn to the first waiting seat that takes it, or back when none does.
  void hand_on();
  void watchdog();

  struct Waiting {
    std::shared_ptr<Seat> seat;
    std::chrono::steady_clock::time_point since;
  };
  const int slots_;
  std::mutex mutex_;
  std::condition_variable waiting_changed_;
  std::deque<Waiting> waiting_;
  int holders_ = 0;
  std::chrono::steady_clock::time_point last_release_ = std::chrono::steady_clock::now();
  bool stopping_ = false;
  std::thread watchdog_;
};

}  // namespace k3s::kine::grpcserver
