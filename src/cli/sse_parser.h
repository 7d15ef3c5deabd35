// SseParser: splits a text/event-stream into events. Pure; fed arbitrary
// chunks as they arrive from the network.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rollcall {

struct SseEvent {
  int64_t id = 0;     // 0 when the event had no id
  std::string event;  // "message" when not named
  std::string data;   // data lines joined by '\n'
};

class SseParser {
 public:
  // Appends `chunk`; returns the events it completed.
  std::vector<SseEvent> Feed(std::string_view chunk);

 private:
  void Line(std::string_view line, std::vector<SseEvent>& out);
  std::string pending_;  // an incomplete line
  SseEvent current_;
  bool has_data_ = false;
};

}  // namespace rollcall
