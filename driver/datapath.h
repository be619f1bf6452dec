// The driver's datapath (mlx5 en_accel/ipsec_rxtx.c; contract sections 5 to 7) and the NIC
// beside it: on TX, the trailer the stack built comes off, the 64-bit sequence number goes
// into the IV and the 8 bytes of metadata go after the MACs; the NIC cuts an LSO send into
// segments. On RX, the metadata the engine put in front of a decrypted frame is read (its
// syndrome, the SA handle) and removed. Drops are counted in the device's software
// counters.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "ipsec_device.h"
#include "packet.h"

namespace ipsec::driver {

// ---- TX ------------------------------------------------------------------------------------

// What the stack attaches to a packet it hands the driver for offload (the sec_path and
// xfrm_offload of the skb).
struct TxOffload {
  std::vector<SaId> sec_path;  // the states the packet went through; offload takes one
  uint64_t seq = 0;            // xo->seq: the 64-bit sequence number (an LSO send's first)
  uint8_t proto = 0;           // xo->proto: the next header the device's trailer carries
};

// A packet on its way to the NIC: an Ethernet frame, in ESP with the IV field to fill and
// the trailer and ICV room the stack built (none for an LSO send).
struct TxSkb {
  Bytes frame;
  std::optional<TxOffload> offload;  // nothing: a packet the device passes unchanged
  uint16_t gso_size = 0;             // the TCP MSS of an LSO send; 0: a single packet
};

// mlx5e_ipsec_mss_inv: floor(65536 / mss) as a Q0.16 inverse (0xFFFF for an MSS of 1).
uint16_t mss_inverse(uint16_t mss);
// The segment index the device derives from a segment's TCP sequence number (contract
// section 6): (tcp_seq_lo16 - meta_seq) * mss_inv / 65536, rounded to the nearest integer.
uint32_t lso_segment_index(uint16_t tcp_seq_lo16, uint16_t meta_seq, uint16_t mss_inv);
// The most segments one LSO send may have so that the device numbers every one right:
// the index above is exact for segment k only while k * mss * (65536 / mss - mss_inv) stays
// under half a unit, and the 16-bit TCP sequence delta must not wrap.
uint32_t max_lso_segments(uint16_t mss);

// The 8 metadata bytes for TX (contract section 5): 0x8CE4, syndrome, mss_inv, seq,
// esp_next_proto, inserted after the MACs.
Bytes insert_tx_metadata(const Bytes& frame, uint8_t syndrome, uint16_t mss_inv, uint16_t seq,
                         uint8_t esp_next_proto);

// mlx5e_ipsec_handle_tx_skb: a packet without offload passes unchanged. A packet SA's plain
// IP packet gets metadata 0x0A (packet section P3: index, handle low half), nothing else.
// Otherwise, in the
// driver's order, a drop counted in the device's software counters: a sec_path of other
// than one state (tx_drop_bundle), a state the device does not hold (tx_drop_no_state), a
// frame that is not IPv4 or IPv6 ESP (tx_drop_not_ip), a trailer that cannot come off
// (tx_drop_trailer), no room for the metadata (tx_drop_metadata). Then: the trailer and
// ICV room removed and the IP length shrunk (not for LSO), the sequence number written
// big-endian into the IV, the metadata inserted (0x08; 0x09 with mss_inv and the TCP
// sequence for LSO).
std::optional<Bytes> ipsec_handle_tx(IpsecDevice& dev, const TxSkb& skb);

// What the NIC does with an LSO send (contract section 6): the TCP payload cut into
// segments of `mss` bytes, each a whole frame with the same metadata, ESP header and IV,
// its own TCP sequence number, IPv4 identification and lengths, FIN and PSH only on the
// last, CWR only on the first, and TCP and IPv4 header checksums computed (the NIC's
// checksum offload). The TCP header is found from the metadata's esp_next_proto.
std::vector<Bytes> nic_lso_segments(const Bytes& frame_with_metadata, uint16_t mss);

// The netdev's transmit path: ipsec_handle_tx, then the NIC's segmentation of an LSO send.
std::vector<Bytes> netdev_xmit(IpsecDevice& dev, const TxSkb& skb);

// ---- RX ------------------------------------------------------------------------------------

// xo->status after the device (contract section 5).
enum class RxCryptoStatus { kSuccess, kAuthFailed, kBadProto };

// What the driver attaches to a frame the device processed (sec_path and xfrm_offload).
struct RxOffload {
  SaId sa{};
  RxCryptoStatus status = RxCryptoStatus::kSuccess;
  bool no_trailer = false;  // XFRM_ESP_NO_TRAILER: the device removed trailer and ICV
  uint8_t proto = 0;        // the next header, with no_trailer or decapsulated
  // Packet offload (0x13): the frame is the decapsulated packet, the whole of ESP done by
  // the device; the stack only checks its policy (the secpath names the state).
  bool decapsulated = false;
};

struct RxSkb {
  Bytes frame;                       // metadata removed
  std::optional<RxOffload> offload;  // nothing: the frame came up without metadata
};

// mlx5e_ipsec_handle_rx_skb: a frame without metadata goes up untouched. With metadata: an
// unknown handle is dropped (rx_drop_sadb_miss), then 0x11 is crypto done (no-trailer when
// the device granted it), 0x12 auth failed and 0x17 bad protocol for the stack to drop, 0x13
// a packet SA's decapsulated packet (packet section P4), any other syndrome (or 0x13 for a
// crypto SA) dropped (rx_drop_syndrome). The 8 metadata bytes are removed.
std::optional<RxSkb> ipsec_handle_rx(IpsecDevice& dev, const Bytes& frame);

}  // namespace ipsec::driver
