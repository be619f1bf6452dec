// The GTKWave save file written beside a waveform of the engine: the signals laid out as
// waves/engine.gtkw lays them (compiled in from that file), opened on the first frame's
// traffic rather than on the reset and the SA table's scrub, with the primary marker on the
// first frame beat. `gtkwave WAVE LAYOUT` (or `gtkwave LAYOUT`) opens it so.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ipsec::sim {

// Clocks in GTKWave's window when the layout opens (about a window of 1,000 pixels).
inline constexpr uint64_t kLayoutClocks = 48;
// Clocks shown before the first frame beat.
inline constexpr uint64_t kLayoutLeadClocks = 4;

// The save file's text for the waveform `wave_path`: the view starts kLayoutLeadClocks
// before the clock `first_beat` (the first frame beat in the waveform) and spans
// kLayoutClocks, the marker on that beat's rising edge; without a beat, the view starts at
// the clock `trace_from`, unmarked. Times in the waveform's unit, 1 ps (engine_clock.h).
std::string engine_layout(const std::string& wave_path, std::optional<uint64_t> first_beat, uint64_t trace_from);

// Writes it to `layout_path` (through a temporary file: never half written); throws
// std::runtime_error naming the file when it cannot.
void write_engine_layout(const std::string& layout_path, const std::string& wave_path,
                         std::optional<uint64_t> first_beat, uint64_t trace_from);

}  // namespace ipsec::sim
