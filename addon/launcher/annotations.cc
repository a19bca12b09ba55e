#include "annotations.h"

namespace {

class Reader {
 public:
  explicit Reader(const std::string &text) : text_(text) {}

  void space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) pos_++;
  }

  bool take(char c) {
    space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      pos_++;
      return true;
    }
    return false;
  }

  bool at(char c) {
    space();
    return pos_ < text_.size() && text_[pos_] == c;
  }

  // A string without \u escapes (ids and annotation keys are ASCII in practice).
  bool string(std::string &out) {
    if (!take('"')) return false;
    out.clear();
    while (pos_ < text_.size()) {
      char c = text_[pos_++];
      if (c == '"') return true;
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) return false;
      char e = text_[pos_++];
      switch (e) {
        case '"': case '\\': case '/': out.push_back(e); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        default: return false;
      }
    }
    return false;
  }

  // Skips one value of any kind; depth-limited.
  bool skip(int depth = 0) {
    if (depth > 64) return false;
    std::string ignored;
    if (at('"')) return string(ignored);
    if (take('{')) {
      if (take('}')) return true;
      do {
        if (!string(ignored) || !take(':') || !skip(depth + 1)) return false;
      } while (take(','));
      return take('}');
    }
    if (take('[')) {
      if (take(']')) return true;
      do {
        if (!skip(depth + 1)) return false;
      } while (take(','));
      return take(']');
    }
    size_t start = pos_;
    while (pos_ < text_.size() && std::string("{}[],: \t\r\n\"").find(text_[pos_]) == std::string::npos) pos_++;
    return pos_ > start;  // a number, true, false or null
  }

 private:
  const std::string &text_;
  size_t pos_ = 0;
};

}  // namespace

bool read_annotations(const std::string &json, std::map<std::string, std::string> &annotations) {
  Reader r(json);
  if (!r.take('{')) return false;
  if (r.take('}')) return true;
  std::string key;
  do {
    if (!r.string(key) || !r.take(':')) return false;
    if (key != "annotations") {
      if (!r.skip()) return false;
      continue;
    }
    if (r.take('{')) {
      if (r.take('}')) continue;
      std::string name, value;
      do {
        if (!r.string(name) || !r.take(':') || !r.string(value)) return false;
        annotations[name] = value;
      } while (r.take(','));
      if (!r.take('}')) return false;
    } else if (!r.skip()) {  // null
      return false;
    }
  } while (r.take(','));
  return r.take('}');
}
