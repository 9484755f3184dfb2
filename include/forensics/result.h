// Result<T>: a value or a non-OK Status. Member names follow std::expected, which clang 14 lacks.
#ifndef FORENSICS_RESULT_H_
#define FORENSICS_RESULT_H_

#include <cassert>
#include <utility>
#include <variant>

#include "forensics/status.h"

namespace forensics {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!std::get<Status>(v_).ok());
  }

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  const Status& error() const { return std::get<Status>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace forensics

// Evaluates a Status expression and returns it from the enclosing function if it is not OK.
#define FORENSICS_RETURN_IF_ERROR(expr)            \
  do {                                             \
    ::forensics::Status _st = (expr);              \
    if (!_st.ok()) return _st;                     \
  } while (0)

// Evaluates a Result expression: returns its error from the enclosing function, or moves its value
// into `lhs` (a declared variable).
#define FORENSICS_ASSIGN_OR_RETURN(lhs, expr) FORENSICS_ASSIGN_OR_RETURN_IMPL_(FORENSICS_CONCAT_(_res_, __LINE__), lhs, expr)
#define FORENSICS_CONCAT_INNER_(a, b) a##b
#define FORENSICS_CONCAT_(a, b) FORENSICS_CONCAT_INNER_(a, b)
#define FORENSICS_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                     \
  if (!tmp) return tmp.error();                          \
  lhs = std::move(*tmp)

#endif  // FORENSICS_RESULT_H_
