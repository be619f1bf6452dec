// The scenario language's lexical rules: lines, continuations, comments, shell quoting.
#include <doctest/doctest.h>

#include "script_lexer.h"

using ipsec::tool::lex_script;
using ipsec::tool::ScriptCommand;
using ipsec::tool::ScriptError;
using ipsec::tool::ScriptLexer;
using Words = std::vector<std::string>;

namespace {

std::vector<ScriptCommand> lex(const std::string& text) { return lex_script(text); }

int error_line(const std::string& text, std::string* message = nullptr) {
  try {
    lex_script(text);
  } catch (const ScriptError& e) {
    if (message) *message = e.what();
    return e.line();
  }
  return 0;
}

}  // namespace

TEST_CASE("one command per line, words split at blanks and tabs") {
  const auto c = lex("run\nsend  host\tin.pcap\n");
  REQUIRE(c.size() == 2);
  CHECK(c[0].words == Words{"run"});
  CHECK(c[0].line == 1);
  CHECK(c[1].words == Words{"send", "host", "in.pcap"});
  CHECK(c[1].line == 2);
}

TEST_CASE("blank lines and comments are skipped and lines keep their numbers") {
  const auto c = lex("# a scenario\n\n   \nrun # the rest is a comment\n\t# indented comment\nrun");
  REQUIRE(c.size() == 2);
  CHECK(c[0].words == Words{"run"});
  CHECK(c[0].line == 4);
  CHECK(c[1].line == 6);
}

TEST_CASE("a hash inside a word or inside quotes is not a comment") {
  const auto c = lex("expect a#b == 1 '#x' \"#y\"\n");
  REQUIRE(c.size() == 1);
  CHECK(c[0].words == Words{"expect", "a#b", "==", "1", "#x", "#y"});
}

TEST_CASE("a backslash at the end of a line continues the command and it keeps its first line") {
  const auto c = lex("ip xfrm state add \\\n    src 10.0.0.1 \\\n    dst 10.0.0.2\nrun\n");
  REQUIRE(c.size() == 2);
  CHECK(c[0].words == Words{"ip", "xfrm", "state", "add", "src", "10.0.0.1", "dst", "10.0.0.2"});
  CHECK(c[0].line == 1);
  CHECK(c[1].line == 4);
}

TEST_CASE("a continuation joins the halves of a word as a shell does") {
  const auto c = lex("send ho\\\nst x.pcap\n");
  REQUIRE(c.size() == 1);
  CHECK(c[0].words == Words{"send", "host", "x.pcap"});
}

TEST_CASE("single quotes keep everything literally") {
  const auto c = lex("aead 'rfc4106(gcm(aes))' 'a \\ \"b\" $c' ''\n");
  REQUIRE(c.size() == 1);
  CHECK(c[0].words == Words{"aead", "rfc4106(gcm(aes))", "a \\ \"b\" $c", ""});
}

TEST_CASE("double quotes keep blanks and take backslash escapes of quote and backslash") {
  const auto c = lex("x \"a b\" \"q\\\"q\" \"b\\\\s\" \"\\n\"\n");
  REQUIRE(c.size() == 1);
  CHECK(c[0].words == Words{"x", "a b", "q\"q", "b\\s", "\\n"});
}

TEST_CASE("quotes join with adjacent text into one word") {
  const auto c = lex("a'b c'\"d\"e\n");
  REQUIRE(c.size() == 1);
  CHECK(c[0].words == Words{"ab cde"});
}

TEST_CASE("a backslash outside quotes keeps the next character") {
  const auto c = lex("a\\ b \\#c \\'d\n");
  REQUIRE(c.size() == 1);
  CHECK(c[0].words == Words{"a b", "#c", "'d"});
}

TEST_CASE("a quote may span lines and the newline belongs to the word") {
  const auto c = lex("x 'a\nb'\nrun\n");
  REQUIRE(c.size() == 2);
  CHECK(c[0].words == Words{"x", "a\nb"});
  CHECK(c[1].line == 3);
}

TEST_CASE("CRLF line ends are accepted") {
  const auto c = lex("run\r\nsend wire a.pcap\r\n");
  REQUIRE(c.size() == 2);
  CHECK(c[1].words == Words{"send", "wire", "a.pcap"});
}

TEST_CASE("an unterminated quote is an error at the line it opened") {
  std::string msg;
  CHECK(error_line("run\nx 'abc\nrun\n", &msg) == 2);
  CHECK(msg == "unterminated ' quote");
  CHECK(error_line("run\nrun\nx \"abc\n", &msg) == 3);
  CHECK(msg == "unterminated \" quote");
}

TEST_CASE("a continuation on the last line is an error at the command's first line") {
  std::string msg;
  CHECK(error_line("run\nsend \\\n host \\", &msg) == 2);
  CHECK(msg == "the last command ends with a line continuation");
}

TEST_CASE("the lexer fed line by line tells when a command is incomplete") {
  ScriptLexer lexer;
  CHECK(lexer.feed_line("ip xfrm \\").empty());
  CHECK(lexer.pending());
  const auto c = lexer.feed_line("state");
  REQUIRE(c.size() == 1);
  CHECK(c[0].words == Words{"ip", "xfrm", "state"});
  CHECK_FALSE(lexer.pending());
  CHECK(lexer.feed_line("x 'open").empty());
  CHECK(lexer.pending());
  CHECK_THROWS_AS(lexer.finish(), ScriptError);
}
