// The RX figures of `make bench` (product spec, "Performance"), measured on esp_rx alone in
// simulated clocks: for a stream of back-to-back wire frames of one size, each for a
// different RX SA, no stalls on either side.
//
// RX is store and forward, so the first frame of a stream leaves only after all of it came
// in; the rate figures count the clocks after the first frame has left (the steady state),
// and the frames that leave in them.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ipsec::tb {

struct RxBenchFigures {
  double bus_utilization = 0;       // sum over frames of max(in beats, out beats) / clocks
                                    // (limit 1.0)
  double wire_bytes_per_cycle = 0;  // wire bytes taken in per clock (limit 16)
  // Latency over every frame of the stream, the first (into an idle engine) and every one
  // behind it: last beat in to first beat out (the worst, the best, the mean), and first
  // beat in to first beat out (the worst: store and forward makes it grow with the frame).
  double latency_cycles = 0;
  double latency_min_cycles = 0;
  double latency_mean_cycles = 0;
  double latency_first_cycles = 0;
  double esp_fraction = 0;          // frames decrypted (ESP for an RX SA) / frames
  size_t frame_bytes = 0;           // bytes of every frame; IMIX: of its smallest frames
  uint64_t frames = 0;              // frames in the stream
  uint64_t cycles = 0;              // clocks counted: after the first frame has left, to
                                    // the end of the last
};

struct RxBenchOptions {
  bool no_trailer = false;  // RX no-trailer mode (smaller output frames)
  // Every other frame hostile: ESP for a known RX SA, of the same size as the good frame
  // before it, whose IP length claims the largest datagram the engine takes (MaxFrame) and
  // so runs far past the frame's end. Dropped as truncated (dec_in, dec_drop); it may cost
  // its own beats and no more. esp_fraction is then 0.5.
  bool hostile = false;
  uint64_t seed = 1;
  size_t min_beats = 30000;  // stream length: at least this many input beats
};

// frame_size: bytes of every wire frame (64, 128, ..., 9000), or 0 for IMIX (7:4:1 of 60,
// 590 and 1514 bytes). Every frame is ESP for a known RX SA (IPv4 and IPv6 alternating,
// AES-128 and AES-256, some with ESN), decrypted and forwarded with metadata. The packets
// carry no L4 header (protocol 253), so the ESP overhead alone sets the smallest frame; a
// size below the smallest ESP frame every flow can send (IPv6: 90 bytes) is raised to it:
// for 64 and the 60-byte frames of IMIX (figures say which size ran: frame_bytes). An ESP
// frame whose datagram cannot fill the size exactly (ESP pads to 4 bytes) carries up to 3
// bytes of Ethernet padding. Throws std::runtime_error if the engine gets a frame wrong.
RxBenchFigures measure_rx(size_t frame_size, const RxBenchOptions& opts = {});

}  // namespace ipsec::tb
