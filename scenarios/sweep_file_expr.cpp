// The constraint language of sweep files: a small recursive-descent evaluator over a resolved
// scenario document. Values are numbers or strings; a dotted key reads the document.
#include <fmt/format.h>

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <variant>

#include "scenarios/errors.h"
#include "scenarios/sweep_file.h"

namespace trainsite::scenarios {

namespace {

using Value = std::variant<double, std::string>;

class Parser {
 public:
  Parser(const std::string& text, const YAML::Node& doc) : s_(text), doc_(doc) {}

  bool run() {
    const Value v = disjunction();
    skip();
    if (i_ != s_.size()) fail(fmt::format("unexpected '{}' at column {}", s_.substr(i_), i_ + 1));
    return truthy(v);
  }

 private:
  [[noreturn]] void fail(const std::string& msg) const { throw InputError({"constraint", 0, 0}, s_, msg); }
  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool eat(const std::string& tok) {
    skip();
    if (s_.compare(i_, tok.size(), tok) != 0) return false;
    // `<` must not eat the first half of `<=`, `!` not of `!=`, `=` not a lone `=` of `==`.
    if ((tok == "<" || tok == ">" || tok == "!") && i_ + 1 < s_.size() && s_[i_ + 1] == '=') return false;
    i_ += tok.size();
    return true;
  }
  static bool truthy(const Value& v) {
    return std::holds_alternative<double>(v) ? std::get<double>(v) != 0 : !std::get<std::string>(v).empty();
  }
  double num(const Value& v) const {
    if (const double* d = std::get_if<double>(&v)) return *d;
    fail(fmt::format("'{}' is not a number", std::get<std::string>(v)));
  }

  Value disjunction() {
    Value v = conjunction();
    while (eat("||")) {
      const bool r = truthy(conjunction());
      v = double(truthy(v) || r);
    }
    return v;
  }
  Value conjunction() {
    Value v = comparison();
    while (eat("&&")) {
      const bool r = truthy(comparison());
      v = double(truthy(v) && r);
    }
    return v;
  }
  Value comparison() {
    const Value a = additive();
    for (const char* op : {"==", "!=", "<=", ">=", "<", ">"}) {
      if (!eat(op)) continue;
      const Value b = additive();
      const std::string o = op;
      if (o == "==" || o == "!=") {
        bool eq = a.index() == b.index() ? a == b : false;
        // "8" read from the document equals the number 8.
        if (a.index() != b.index()) {
          const std::string& str =
              std::holds_alternative<std::string>(a) ? std::get<std::string>(a) : std::get<std::string>(b);
          const double d = std::holds_alternative<double>(a) ? std::get<double>(a) : std::get<double>(b);
          char* end = nullptr;
          const double parsed = std::strtod(str.c_str(), &end);
          eq = end && *end == 0 && !str.empty() && parsed == d;
        }
        return double(o == "==" ? eq : !eq);
      }
      const double x = num(a), y = num(b);
      return double(o == "<=" ? x <= y : o == ">=" ? x >= y : o == "<" ? x < y : x > y);
    }
    return a;
  }
  Value additive() {
    Value v = term();
    while (true) {
      if (eat("+"))
        v = num(v) + num(term());
      else if (eat("-"))
        v = num(v) - num(term());
      else
        return v;
    }
  }
  Value term() {
    Value v = unary();
    while (true) {
      if (eat("*")) {
        v = num(v) * num(unary());
      } else if (eat("/")) {
        const double d = num(unary());
        if (d == 0) fail("division by zero");
        v = num(v) / d;
      } else if (eat("%")) {
        const double d = num(unary());
        if (d == 0) fail("modulo by zero");
        v = std::fmod(num(v), d);
      } else {
        return v;
      }
    }
  }
  Value unary() {
    if (eat("!")) return double(!truthy(unary()));
    if (eat("-")) return -num(unary());
    return primary();
  }
  Value primary() {
    skip();
    if (i_ >= s_.size()) fail("expression ends early");
    if (eat("(")) {
      Value v = disjunction();
      if (!eat(")")) fail("missing ')'");
      return v;
    }
    const char c = s_[i_];
    if (c == '\'' || c == '"') {
      const size_t end = s_.find(c, i_ + 1);
      if (end == std::string::npos) fail("unterminated string");
      std::string str = s_.substr(i_ + 1, end - i_ - 1);
      i_ = end + 1;
      return str;
    }
    if (std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      char* end = nullptr;
      const double d = std::strtod(s_.c_str() + i_, &end);
      i_ = size_t(end - s_.c_str());
      return d;
    }
    if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      const size_t start = i_;
      while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '_' ||
                                s_[i_] == '.' || s_[i_] == '[' || s_[i_] == ']'))
        ++i_;
      return lookup(s_.substr(start, i_ - start));
    }
    fail(fmt::format("unexpected '{}' at column {}", c, i_ + 1));
  }

  // `cluster.gpu`, `sites[0]` (a list index), `true`/`false`.
  Value lookup(const std::string& path) const {
    if (path == "true") return 1.0;
    if (path == "false") return 0.0;
    YAML::Node cur;
    cur.reset(doc_);
    size_t start = 0;
    while (start <= path.size()) {
      const size_t dot = path.find('.', start);
      std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      int index = -1;
      if (const auto br = key.find('['); br != std::string::npos) {
        index = std::atoi(key.c_str() + br + 1);
        key = key.substr(0, br);
      }
      const YAML::Node& c = cur;
      if (!c.IsMap() || !c[key]) fail(fmt::format("no key '{}' in the point's scenario", path));
      cur.reset(c[key]);
      if (index >= 0) {
        const YAML::Node& l = cur;
        if (!l.IsSequence() || size_t(index) >= l.size())
          fail(fmt::format("no element '{}' in the scenario", path));
        cur.reset(l[size_t(index)]);
        const YAML::Node& e = cur;
        if (e.IsMap() && e["id"]) cur.reset(e["id"]);
      }
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (!cur.IsScalar()) fail(fmt::format("'{}' is not a single value", path));
    const std::string text = cur.Scalar();
    if (text == "true") return 1.0;
    if (text == "false") return 0.0;
    char* end = nullptr;
    const double d = std::strtod(text.c_str(), &end);
    if (!text.empty() && end && *end == 0) return d;
    return text;
  }

  const std::string& s_;
  const YAML::Node& doc_;
  size_t i_ = 0;
};

}  // namespace

bool eval_constraint(const std::string& expr, const YAML::Node& doc) {
  return Parser(expr, doc).run();
}

}  // namespace trainsite::scenarios
