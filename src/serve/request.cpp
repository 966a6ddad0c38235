#include "serve/request.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "util/error.h"
#include "util/utf8.h"

namespace swt::serve {

namespace {

using json = nlohmann::json;

// A client's string as JSON escapes it (no raw newline or control character
// may break the one-line message).
std::string escaped(const std::string& text) {
  const auto quoted = json(text).dump(-1, ' ', false, json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

bool refuse(RequestError& error, const std::string& message) {
  error = {400, message};
  return false;
}

// Reads the optional integer field `name` into `value` (range [1, kMaxBeam]).
bool read_count(const json& body, const char* name, int64_t& value, RequestError& error) {
  if (!body.contains(name)) return true;
  const auto& v = body[name];
  if (!v.is_number_integer())
    return refuse(error, std::string("field '") + name + "' must be an integer");
  // Unsigned first: a huge unsigned value must not wrap into the range.
  const bool in_range =
      v.is_number_unsigned()
          ? v.get<uint64_t>() >= 1 && v.get<uint64_t>() <= static_cast<uint64_t>(kMaxBeam)
          : v.get<int64_t>() >= 1 && v.get<int64_t>() <= kMaxBeam;
  if (!in_range)
    return refuse(error, std::string("field '") + name + "' must be in [1, " +
                             std::to_string(kMaxBeam) + "], got " + v.dump());
  value = v.get<int64_t>();
  return true;
}

bool read_lines(const json& body, TranslateRequest& request, RequestError& error) {
  request.single = body.contains("text");
  if (request.single == body.contains("texts"))
    return refuse(error, "give exactly one of the fields 'text' and 'texts'");
  if (request.single) {
    if (!body["text"].is_string()) return refuse(error, "field 'text' must be a string");
    request.lines.push_back(body["text"].get<std::string>());
    return true;
  }
  const auto& texts = body["texts"];
  if (!texts.is_array()) return refuse(error, "field 'texts' must be an array of strings");
  for (size_t i = 0; i < texts.size(); ++i) {
    if (!texts[i].is_string())
      return refuse(error, "field 'texts' must be an array of strings (texts[" + std::to_string(i) +
                               "] is not)");
    request.lines.push_back(texts[i].get<std::string>());
  }
  return true;
}

}  // namespace

bool parse_translate_request(const std::string& body_text, int64_t default_beam,
                             double default_length_penalty, TranslateRequest& request,
                             RequestError& error) {
  request = TranslateRequest{};
  request.beam = default_beam;
  request.length_penalty = default_length_penalty;
  if (!is_valid_utf8(body_text)) return refuse(error, "request body is not valid UTF-8");
  json body;
  try {
    body = json::parse(body_text);
  } catch (const std::exception& e) {
    return refuse(error, "invalid JSON: " + one_line_message(e));
  }
  if (!body.is_object()) return refuse(error, "the body must be a JSON object");
  static const std::set<std::string> known = {"text",           "texts",          "beam",
                                              "nbest",          "length_penalty", "depth_policy",
                                              "exit_threshold", "alignment"};
  for (const auto& item : body.items())
    if (!known.count(item.key()))
      return refuse(error, "unknown field '" + escaped(item.key()) +
                               "' (known: text, texts, beam, nbest, length_penalty, depth_policy, "
                               "exit_threshold, alignment)");
  if (!read_lines(body, request, error)) return false;
  if (!read_count(body, "beam", request.beam, error)) return false;
  if (!read_count(body, "nbest", request.nbest, error)) return false;
  if (body.contains("length_penalty")) {
    const auto& v = body["length_penalty"];
    if (!v.is_number()) return refuse(error, "field 'length_penalty' must be a number");
    request.length_penalty = v.get<double>();
    if (!std::isfinite(request.length_penalty))
      return refuse(error, "field 'length_penalty' must be finite");
  }
  if (body.contains("depth_policy")) {
    const auto& v = body["depth_policy"];
    if (!v.is_string()) return refuse(error, "field 'depth_policy' must be a string");
    static const std::set<std::string> policies = {"fixed", "length", "learned"};
    request.depth_policy = v.get<std::string>();
    if (!policies.count(request.depth_policy))
      return refuse(error, "field 'depth_policy' must be fixed, length or learned, got '" +
                               escaped(request.depth_policy.substr(0, 40)) + "'");
  }
  // null: not given, as when the field is absent.
  if (body.contains("exit_threshold") && !body["exit_threshold"].is_null()) {
    const auto& v = body["exit_threshold"];
    if (!v.is_number()) return refuse(error, "field 'exit_threshold' must be a number or null");
    request.exit_threshold = v.get<double>();
    if (!(request.exit_threshold >= 0 && request.exit_threshold <= 1))  // also refuses NaN
      return refuse(error, "field 'exit_threshold' must be in [0, 1], got " + v.dump());
  }
  if (body.contains("alignment")) {
    if (!body["alignment"].is_boolean())
      return refuse(error, "field 'alignment' must be true or false");
    request.alignment = body["alignment"].get<bool>();
  }
  return true;
}

}  // namespace swt::serve
