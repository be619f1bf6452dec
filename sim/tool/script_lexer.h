// The scenario language's lexical rules: one command per line, `\` at the end of a line
// continues it, `#` at the start of a word begins a comment, and words are split and
// quoted as a POSIX shell does it (single quotes keep everything, double quotes keep all
// but `\"`, `\\`, `\$` and `` \` ``, a backslash outside quotes keeps the next character).
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace ipsec::tool {

struct ScriptCommand {
  std::vector<std::string> words;
  int line = 0;  // where the command starts
};

class ScriptError : public std::runtime_error {
 public:
  ScriptError(int line, const std::string& message) : std::runtime_error(message), line_(line) {}
  int line() const { return line_; }

 private:
  int line_;
};

// Fed one physical line at a time (interactive use), or a whole text (scripts).
class ScriptLexer {
 public:
  // The commands the line completes (none while a quote is open or the line continues).
  std::vector<ScriptCommand> feed_line(const std::string& line);
  // True while a command is incomplete: an open quote or a continued line.
  bool pending() const { return in_command_ && (quote_ != 0 || continued_); }
  // The end of the input: throws ScriptError when a quote is still open or the last line
  // ends with a continuation.
  void finish();
  int line() const { return line_; }  // the last line fed

 private:
  void end_word();

  int line_ = 0;
  int start_line_ = 0;  // the line of the command being lexed
  int quote_line_ = 0;  // where the open quote began
  char quote_ = 0;      // '\'', '"' or 0
  bool continued_ = false;
  bool in_command_ = false;
  bool in_word_ = false;
  std::string word_;
  std::vector<std::string> words_;
};

// Every command of a script text; throws ScriptError at the first lexical error.
std::vector<ScriptCommand> lex_script(const std::string& text);

}  // namespace ipsec::tool
