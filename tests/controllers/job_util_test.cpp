// Pure Job logic: conditions, completed-index sets, podFailurePolicy and the backoff.
#include <gtest/gtest.h>

#include "batch/job_util.h"

using namespace k3s::controllers::batch;
using Json = nlohmann::json;

TEST(JobConditions, FinishedTypeAndTime) {
  Json job = {{"status", {{"conditions", Json::array()}}}};
  EXPECT_FALSE(is_job_finished(job));
  set_condition(job["status"], "Complete", "True", "CompletionsReached", "done", "2026-11-22T13:00:00Z");
  EXPECT_EQ(job_finished_type(job), "Complete");
  job["status"]["completionTime"] = "2026-11-22T13:00:05Z";
  ASSERT_TRUE(job_finish_time(job).has_value());
  EXPECT_EQ(job_finish_time(job)->time_since_epoch().count() % 60, 5);
  Json failed = {{"status", {{"conditions", {{{"type", "Failed"}, {"status", "True"}, {"lastTransitionTime", "2026-11-22T13:00:07Z"}}}}}}};
  EXPECT_EQ(job_finished_type(failed), "Failed");
  EXPECT_EQ(job_finish_time(failed)->time_since_epoch().count() % 60, 7);
  Json false_condition = {{"status", {{"conditions", {{{"type", "Complete"}, {"status", "False"}}}}}}};
  EXPECT_FALSE(is_job_finished(false_condition));
}

TEST(JobConditions, TransitionTimeOnlyMovesWithTheStatus) {
  Json status = Json::object();
  EXPECT_TRUE(set_condition(status, "Suspended", "True", "JobSuspended", "Job suspended", "T1"));
  EXPECT_FALSE(set_condition(status, "Suspended", "True", "JobSuspended", "Job suspended", "T2"));
  EXPECT_TRUE(set_condition(status, "Suspended", "False", "JobResumed", "Job resumed", "T3"));
  EXPECT_EQ(status["conditions"][0]["lastTransitionTime"], "T3");
  EXPECT_EQ(status["conditions"].size(), 1u);
}

TEST(CompletedIndexes, ParseAndFormat) {
  EXPECT_EQ(format_indexes({}), "");
  EXPECT_EQ(format_indexes({0}), "0");
  EXPECT_EQ(format_indexes({0, 1, 2, 4, 6, 7}), "0-2,4,6-7");
  EXPECT_EQ(parse_indexes("0-2,4,6-7", 10), (std::set<int>{0, 1, 2, 4, 6, 7}));
  EXPECT_EQ(parse_indexes("1,3-9", 5), (std::set<int>{1, 3, 4}));
  EXPECT_EQ(parse_indexes("garbage,2", 5), (std::set<int>{2}));
}

TEST(CompletionIndex, AnnotationThenLabel) {
  EXPECT_EQ(completion_index_of({{"metadata", {{"annotations", {{kJobCompletionIndex, "3"}}}}}}), 3);
  EXPECT_EQ(completion_index_of({{"metadata", {{"labels", {{kJobCompletionIndex, "4"}}}}}}), 4);
  EXPECT_EQ(completion_index_of({{"metadata", {{"labels", {{kJobCompletionIndex, "x"}}}}}}), -1);
  EXPECT_EQ(completion_index_of({{"metadata", Json::object()}}), -1);
}

namespace {

Json failed_pod(int exit_code, const std::string& container = "main") {
  return {{"metadata", {{"name", "p"}, {"namespace", "ns"}}},
          {"status",
           {{"phase", "Failed"},
            {"containerStatuses",
             {{{"name", container}, {"state", {{"terminated", {{"exitCode", exit_code}}}}}}}}}}};
}

Json job_with_rules(Json rules) { return {{"spec", {{"podFailurePolicy", {{"rules", rules}}}}}}; }

}  // namespace

TEST(PodFailurePolicy, ExitCodes) {
  Json job = job_with_rules({{{"action", "Ignore"}, {"onExitCodes", {{"operator", "In"}, {"values", {1, 2}}}}},
                             {{"action", "FailJob"}, {"onExitCodes", {{"operator", "NotIn"}, {"values", {1, 2}}}}}});
  EXPECT_EQ(match_pod_failure_policy(job, failed_pod(2)).action, "Ignore");
  const auto fail = match_pod_failure_policy(job, failed_pod(42));
  EXPECT_EQ(fail.action, "FailJob");
  EXPECT_EQ(fail.message, "Container main for pod ns/p failed with exit code 42 matching FailJob rule at index 1");
  // NotIn never matches a container that succeeded.
  EXPECT_EQ(match_pod_failure_policy(job, failed_pod(0)).action, "");
  Json scoped = job_with_rules(
      {{{"action", "FailJob"}, {"onExitCodes", {{"containerName", "other"}, {"operator", "In"}, {"values", {42}}}}}});
  EXPECT_EQ(match_pod_failure_policy(scoped, failed_pod(42)).action, "");
  EXPECT_EQ(match_pod_failure_policy(scoped, failed_pod(42, "other")).action, "FailJob");
  EXPECT_EQ(match_pod_failure_policy(Json{{"spec", Json::object()}}, failed_pod(42)).action, "");
}

TEST(PodFailurePolicy, PodConditions) {
  Json job = job_with_rules({{{"action", "Ignore"}, {"onPodConditions", {{{"type", "DisruptionTarget"}}}}}});
  Json pod = failed_pod(137);
  EXPECT_EQ(match_pod_failure_policy(job, pod).action, "");
  pod["status"]["conditions"] = {{{"type", "DisruptionTarget"}, {"status", "True"}}};
  const auto m = match_pod_failure_policy(job, pod);
  EXPECT_EQ(m.action, "Ignore");
  EXPECT_EQ(m.message, "Pod ns/p has condition DisruptionTarget matching Ignore rule at index 0");
}

TEST(PodFailureBackoff, DoublesFromTenSecondsUpToSixMinutes) {
  EXPECT_EQ(pod_failure_backoff(0).count(), 0);
  EXPECT_EQ(pod_failure_backoff(1).count(), 10);
  EXPECT_EQ(pod_failure_backoff(2).count(), 20);
  EXPECT_EQ(pod_failure_backoff(3).count(), 40);
  EXPECT_EQ(pod_failure_backoff(6).count(), 320);
  EXPECT_EQ(pod_failure_backoff(7).count(), 360);
  EXPECT_EQ(pod_failure_backoff(50).count(), 360);
}
