// The body of POST /v1/translate: what swt serve accepts and how it refuses
// the rest (status 400, one line naming the field).
#include "serve/request.h"

#include <gtest/gtest.h>

#include <utility>

namespace swt::serve {

namespace {

RequestError refused(const std::string& body) {
  TranslateRequest request;
  RequestError error;
  EXPECT_FALSE(parse_translate_request(body, 5, 1.0, request, error)) << body;
  EXPECT_EQ(error.status, 400) << body;
  EXPECT_EQ(error.message.find('\n'), std::string::npos) << error.message;
  return error;
}

}  // namespace

TEST(TranslateRequest, SingleTextTakesTheServerDefaults) {
  TranslateRequest r;
  RequestError e;
  ASSERT_TRUE(parse_translate_request(R"({"text": "a b"})", 4, 0.6, r, e)) << e.message;
  EXPECT_TRUE(r.single);
  EXPECT_EQ(r.lines, std::vector<std::string>{"a b"});
  EXPECT_EQ(r.beam, 4);
  EXPECT_EQ(r.nbest, 1);
  EXPECT_DOUBLE_EQ(r.length_penalty, 0.6);
  EXPECT_EQ(r.depth_policy, "fixed");
  EXPECT_EQ(r.exit_threshold, -1);
  EXPECT_FALSE(r.alignment);
}

TEST(TranslateRequest, TextsWithOptions) {
  TranslateRequest r;
  RequestError e;
  ASSERT_TRUE(parse_translate_request(
      R"({"texts": ["x", "", "caf\u00e9"], "beam": 3, "nbest": 2, "length_penalty": 0})", 5, 1.0, r,
      e))
      << e.message;
  EXPECT_FALSE(r.single);
  EXPECT_EQ(r.lines, (std::vector<std::string>{"x", "", "caf\xc3\xa9"}));
  EXPECT_EQ(r.beam, 3);
  EXPECT_EQ(r.nbest, 2);
  EXPECT_DOUBLE_EQ(r.length_penalty, 0.0);
}

TEST(TranslateRequest, DepthAndAlignmentFields) {
  TranslateRequest r;
  RequestError e;
  ASSERT_TRUE(parse_translate_request(
      R"({"text": "a", "depth_policy": "learned", "exit_threshold": 0.25, "alignment": true})", 5,
      1.0, r, e))
      << e.message;
  EXPECT_EQ(r.depth_policy, "learned");
  EXPECT_DOUBLE_EQ(r.exit_threshold, 0.25);
  EXPECT_TRUE(r.alignment);
  // The ends of [0, 1] are allowed; null is "not given".
  ASSERT_TRUE(parse_translate_request(R"({"text": "a", "exit_threshold": 0})", 5, 1.0, r, e));
  EXPECT_EQ(r.exit_threshold, 0);
  ASSERT_TRUE(parse_translate_request(R"({"text": "a", "exit_threshold": 1})", 5, 1.0, r, e));
  EXPECT_EQ(r.exit_threshold, 1);
  ASSERT_TRUE(parse_translate_request(
      R"({"text": "a", "exit_threshold": null, "depth_policy": "length", "alignment": false})", 5,
      1.0, r, e));
  EXPECT_EQ(r.exit_threshold, -1);
  EXPECT_EQ(r.depth_policy, "length");
  EXPECT_FALSE(r.alignment);
}

TEST(TranslateRequest, BadDepthAndAlignmentFieldsAreRefused) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"text": "a", "depth_policy": "deep"})",
       "field 'depth_policy' must be fixed, length or learned, got 'deep'"},
      {R"({"text": "a", "depth_policy": "Fixed"})",
       "field 'depth_policy' must be fixed, length or learned, got 'Fixed'"},
      // A value with a newline is escaped: the message stays one line.
      {R"({"text": "a", "depth_policy": "a\nb"})",
       R"(field 'depth_policy' must be fixed, length or learned, got 'a\nb')"},
      {R"({"text": "a", "depth_policy": 1})", "field 'depth_policy' must be a string"},
      {R"({"text": "a", "exit_threshold": 1.5})",
       "field 'exit_threshold' must be in [0, 1], got 1.5"},
      {R"({"text": "a", "exit_threshold": -0.1})",
       "field 'exit_threshold' must be in [0, 1], got -0.1"},
      {R"({"text": "a", "exit_threshold": "0.5"})",
       "field 'exit_threshold' must be a number or null"},
      {R"({"text": "a", "alignment": 1})", "field 'alignment' must be true or false"},
      {R"({"text": "a", "alignment": "true"})", "field 'alignment' must be true or false"},
  };
  for (const auto& [body, message] : cases) EXPECT_EQ(refused(body).message, message);
  // A long value is cut: the message stays short.
  const auto long_value =
      refused(R"({"text": "a", "depth_policy": ")" + std::string(500, 'x') + "\"}").message;
  EXPECT_LT(long_value.size(), 120u) << long_value;
}

TEST(TranslateRequest, BadBodiesAreRefusedNamingTheProblem) {
  EXPECT_EQ(refused("{\"text\": \"caf\xe9\"}").message, "request body is not valid UTF-8");
  EXPECT_NE(refused("{\"text\": ").message.find("invalid JSON"), std::string::npos);
  EXPECT_EQ(refused("[1, 2]").message, "the body must be a JSON object");
  EXPECT_NE(refused(R"({"text": "a", "beams": 2})").message.find("unknown field 'beams'"),
            std::string::npos);
  // Found by fuzz/serve_request_fuzz.cpp: a field name with an escaped newline
  // was echoed raw, giving a message of two lines.
  const auto newline = refused(R"({"text": "a", "length_p\nalty": 0.6})").message;
  EXPECT_NE(newline.find(R"('length_p\nalty')"), std::string::npos) << newline;
  EXPECT_EQ(refused(R"({"text": "a", "texts": ["b"]})").message,
            "give exactly one of the fields 'text' and 'texts'");
  EXPECT_EQ(refused("{}").message, "give exactly one of the fields 'text' and 'texts'");
  EXPECT_EQ(refused(R"({"text": 3})").message, "field 'text' must be a string");
  EXPECT_EQ(refused(R"({"texts": "a"})").message, "field 'texts' must be an array of strings");
  EXPECT_EQ(refused(R"({"texts": ["a", null]})").message,
            "field 'texts' must be an array of strings (texts[1] is not)");
}

TEST(TranslateRequest, BeamAndNbestMustBeSmallPositiveIntegers) {
  EXPECT_EQ(refused(R"({"text": "a", "beam": 0})").message,
            "field 'beam' must be in [1, 64], got 0");
  EXPECT_EQ(refused(R"({"text": "a", "beam": -3})").message,
            "field 'beam' must be in [1, 64], got -3");
  EXPECT_EQ(refused(R"({"text": "a", "nbest": 65})").message,
            "field 'nbest' must be in [1, 64], got 65");
  // The largest unsigned 64-bit value must not wrap into the range.
  EXPECT_EQ(refused(R"({"text": "a", "beam": 18446744073709551615})").message,
            "field 'beam' must be in [1, 64], got 18446744073709551615");
  EXPECT_EQ(refused(R"({"text": "a", "beam": 2.5})").message, "field 'beam' must be an integer");
  EXPECT_EQ(refused(R"({"text": "a", "length_penalty": "high"})").message,
            "field 'length_penalty' must be a number");
}

}  // namespace swt::serve
