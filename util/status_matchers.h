// gMock matchers for absl::Status and absl::StatusOr<T>, for tests only.
//
//   EXPECT_THAT(db->Put(...), IsOk());
//   EXPECT_THAT(db->Get("k"), StatusIs(absl::StatusCode::kNotFound));
//   EXPECT_THAT(result, StatusIs(absl::StatusCode::kDataLoss, HasSubstr("offset")));
//   ASSERT_OK(status);  ASSERT_OK_AND_ASSIGN(auto v, db->Get("k"));
#ifndef SYNAPSED_UTIL_STATUS_MATCHERS_H_
#define SYNAPSED_UTIL_STATUS_MATCHERS_H_

#include <ostream>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "util/status_macros.h"

namespace synapsed::storage::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& st = GetStatus(arg);
  if (!st.ok()) *result_listener << "status is " << st;
  return st.ok();
}

MATCHER_P(StatusIs, code, "has status code " + ::testing::PrintToString(code)) {
  const absl::Status& st = GetStatus(arg);
  *result_listener << "status is " << st;
  return st.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has status code " + ::testing::PrintToString(code)) {
  const absl::Status& st = GetStatus(arg);
  *result_listener << "status is " << st;
  return st.code() == code &&
         ::testing::Matches(message_matcher)(std::string(st.message()));
}

}  // namespace synapsed::storage::testing

#define ASSERT_OK(expr) ASSERT_THAT((expr), ::synapsed::storage::testing::IsOk())
#define EXPECT_OK(expr) EXPECT_THAT((expr), ::synapsed::storage::testing::IsOk())
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                                    \
  SYNAPSED_ASSERT_OK_AND_ASSIGN_IMPL_(SYNAPSED_CONCAT_(_sor_, __LINE__), \
                                      lhs, expr)
#define SYNAPSED_ASSERT_OK_AND_ASSIGN_IMPL_(var, lhs, expr) \
  auto var = (expr);                                       \
  ASSERT_TRUE(var.ok()) << var.status();                   \
  lhs = std::move(var).value()

#endif  // SYNAPSED_UTIL_STATUS_MATCHERS_H_
