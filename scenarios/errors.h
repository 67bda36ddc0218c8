// Bad input: an exception that names where (file:line:column) and what (the field) went wrong.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace trainsite::scenarios {

struct Location {
  std::string file;
  int line = 0;    // 1-based; 0 = unknown (e.g. a --set override)
  int column = 0;  // 1-based
};

class InputError : public std::runtime_error {
 public:
  InputError(Location where, std::string field, const std::string& message);
  const Location& where() const { return where_; }
  const std::string& field() const { return field_; }
  const std::string& message() const { return message_; }

 private:
  Location where_;
  std::string field_;
  std::string message_;
};

// "did you mean 'x'?" for the closest candidate within a small edit distance, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace trainsite::scenarios
