#include "script_lexer.h"

namespace ipsec::tool {

void ScriptLexer::end_word() {
  if (!in_word_) return;
  words_.push_back(word_);
  word_.clear();
  in_word_ = false;
}

std::vector<ScriptCommand> ScriptLexer::feed_line(const std::string& raw) {
  ++line_;
  std::string line = raw;
  if (!line.empty() && line.back() == '\r') line.pop_back();  // CRLF scripts
  if (!in_command_) {
    in_command_ = true;
    start_line_ = line_;
    words_.clear();
  }
  continued_ = false;
  const size_t n = line.size();
  for (size_t i = 0; i < n; ++i) {
    const char c = line[i];
    if (quote_ == '\'') {
      if (c == '\'') {
        quote_ = 0;
      } else {
        word_ += c;
      }
      continue;
    }
    if (quote_ == '"') {
      if (c == '"') {
        quote_ = 0;
      } else if (c == '\\' && i + 1 == n) {
        continued_ = true;  // backslash-newline inside double quotes vanishes
      } else if (c == '\\' && (line[i + 1] == '"' || line[i + 1] == '\\' || line[i + 1] == '$' ||
                               line[i + 1] == '`')) {
        word_ += line[++i];
      } else {
        word_ += c;
      }
      continue;
    }
    if (c == ' ' || c == '\t') {
      end_word();
    } else if (c == '#' && !in_word_) {
      break;  // a comment to the end of the line
    } else if (c == '\'' || c == '"') {
      quote_ = c;
      quote_line_ = line_;
      in_word_ = true;
    } else if (c == '\\') {
      if (i + 1 == n) {
        continued_ = true;  // the command goes on on the next line
      } else {
        word_ += line[++i];
        in_word_ = true;
      }
    } else {
      word_ += c;
      in_word_ = true;
    }
  }
  if (quote_ && !continued_) {
    word_ += '\n';  // a quoted newline belongs to the word
    return {};
  }
  if (quote_ || continued_) return {};
  end_word();
  in_command_ = false;
  if (words_.empty()) return {};
  std::vector<ScriptCommand> out;
  out.push_back(ScriptCommand{std::move(words_), start_line_});
  words_.clear();
  return out;
}

void ScriptLexer::finish() {
  if (quote_) {
    const std::string q(1, quote_);
    quote_ = 0;
    in_command_ = false;
    throw ScriptError(quote_line_, "unterminated " + q + " quote");
  }
  if (in_command_ && continued_) {
    continued_ = false;
    in_command_ = false;
    throw ScriptError(start_line_, "the last command ends with a line continuation");
  }
}

std::vector<ScriptCommand> lex_script(const std::string& text) {
  ScriptLexer lexer;
  std::vector<ScriptCommand> commands;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    for (ScriptCommand& c : lexer.feed_line(text.substr(start, end - start))) {
      commands.push_back(std::move(c));
    }
    start = end + 1;
  }
  lexer.finish();
  return commands;
}

}  // namespace ipsec::tool
