// WriteTurns: the order in which watch streams get their turn at writing, and that no
// stream waits long behind one that never finishes.
#include "write_turns.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <thread>
#include <vector>

namespace k3s::kine::grpcserver {
namespace {

using namespace std::chrono_literals;

// A seat that records when its turn came and whether it wanted it.
class RecordingSeat final : public WriteTurns::Seat {
 public:
  explicit RecordingSeat(bool wants = true) : wants_(wants) {}
  bool take_turn() override {
    ++turns;
    return wants_;
  }
  std::atomic<int> turns{0};

 private:
  bool wants_;
};

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = 2000ms) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(1ms);
  }
  return condition();
}

TEST(WriteTurns, GrantsUpToItsSlotsThenQueuesInOrder) {
  WriteTurns turns(2);
  auto a = std::make_shared<RecordingSeat>(), b = std::make_shared<RecordingSeat>();
  auto c = std::make_shared<RecordingSeat>(), d = std::make_shared<RecordingSeat>();
  EXPECT_TRUE(turns.request(a));
  EXPECT_TRUE(turns.request(b));
  EXPECT_FALSE(turns.request(c));
  EXPECT_FALSE(turns.request(d));
  turns.release();
  EXPECT_EQ(c->turns, 1);
  EXPECT_EQ(d->turns, 0);
  turns.release();
  EXPECT_EQ(d->turns, 1);
  // Both slots are held again (by c and d); once they end, a newcomer goes straight in.
  turns.release();
  turns.release();
  EXPECT_TRUE(turns.request(std::make_shared<RecordingSeat>()));
  turns.release();
}

TEST(WriteTurns, SkipsSeatsThatLeftOrHaveNothingToWrite) {
  WriteTurns turns(1);
  auto holder = std::make_shared<RecordingSeat>();
  auto gone = std::make_shared<RecordingSeat>();
  auto idle = std::make_shared<RecordingSeat>(/*wants=*/false);
  auto next = std::make_shared<RecordingSeat>();
  ASSERT_TRUE(turns.request(holder));
  EXPECT_FALSE(turns.request(gone));
  EXPECT_FALSE(turns.request(idle));
  EXPECT_FALSE(turns.request(next));
  gone->leave();
  turns.release();
  EXPECT_EQ(gone->turns, 0);  // never called once it left
  EXPECT_EQ(idle->turns, 1);
  EXPECT_EQ(next->turns, 1);
  turns.release();  // next's run ends; the slot is free again
  EXPECT_TRUE(turns.request(holder));
  turns.release();
}

TEST(WriteTurns, AStreamThatNeverFinishesDelaysTheOthersOnlyBriefly) {
  WriteTurns turns(1);
  auto stuck = std::make_shared<RecordingSeat>();
  ASSERT_TRUE(turns.request(stuck));  // and never released, like a client that stopped reading
  std::vector<std::shared_ptr<RecordingSeat>> waiting;
  for (int i = 0; i < 3; ++i) {
    waiting.push_back(std::make_shared<RecordingSeat>());
    EXPECT_FALSE(turns.request(waiting.back()));
  }
  // The watchdog lets one in beside the holder every kPatience while nothing is released.
  EXPECT_TRUE(eventually([&] { return waiting[0]->turns == 1; }));
  EXPECT_TRUE(eventually([&] { return waiting[2]->turns == 1; }));
  for (std::size_t i = 0; i < waiting.size() + 1; ++i) turns.release();
}

TEST(WriteTurns, ManyThreadsRequestingAndReleasingEveryoneGetsTheirTurn) {
  WriteTurns turns(2);
  constexpr int kStreams = 16, kRuns = 200;
  std::atomic<int> runs{0};
  std::vector<std::thread> threads;
  for (int s = 0; s < kStreams; ++s) {
    threads.emplace_back([&] {
      for (int r = 0; r < kRuns; ++r) {
        auto seat = std::make_shared<RecordingSeat>();
        if (!turns.request(seat)) {
          ASSERT_TRUE(eventually([&] { return seat->turns == 1; }));
        }
        ++runs;
        turns.release();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(runs, kStreams * kRuns);
  // Every slot came back: two newcomers go straight in, a third waits.
  auto first = std::make_shared<RecordingSeat>(), second = std::make_shared<RecordingSeat>();
  auto third = std::make_shared<RecordingSeat>();
  EXPECT_TRUE(turns.request(first));
  EXPECT_TRUE(turns.request(second));
  EXPECT_FALSE(turns.request(third));
  turns.release();
  EXPECT_EQ(third->turns, 1);
  turns.release();
  turns.release();
}

}  // namespace
}  // namespace k3s::kine::grpcserver
