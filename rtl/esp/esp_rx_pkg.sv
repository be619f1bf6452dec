// Types and constants of the RX pipeline (esp_rx, contract section 7): what the header
// parser hands the feed, and what the feed hands the frame buffer's read side.
package esp_rx_pkg;

  // ---- Frame buffer ----------------------------------------------------------------------
  // 2048 beats of 16 bytes: two frames of the largest size a position (esp_pkg::pos_t)
  // can express, so a frame being written never waits for one that cannot be read.
  localparam int BufAddrW = 11;
  localparam int BufDepth = 1 << BufAddrW;
  localparam int BufPtrW  = BufAddrW + 1;  // with the wrap bit: full and empty differ
  localparam int BeatCntW = BufAddrW;      // beats of one stored frame, up to 1024

  // ---- Byte positions of the headers the parser reads (Ethernet II, no VLAN tag) ---------
  localparam int EthHdrBytes  = 14;
  localparam int Ipv4HdrBytes = 20;  // IHL 5 only: options are never ESP candidates
  localparam int Ipv6HdrBytes = 40;  // no extension headers
  // ESP header (8), IV (8), ICV (16) and the two trailer bytes that every datagram must
  // hold beyond its IP header (RFC 4303 section 2, RFC 4106 section 3): C = T - IP - 32 >= 2.
  localparam int EspMinBytes  = 8 + 8 + 16 + 2;

  // The frame as the parser saw it, one per frame, ready when its header window is in:
  // the first 5 beats (the IPv6 IV ends at byte 69), or the whole frame if shorter.
  typedef struct packed {
    logic         looked_up;  // an ESP candidate: its SA was looked up
    logic         meta;       // EtherType 0x8CE4: metadata from the wire
    logic         ipv6;
    logic         hdr_ok;     // C >= 2, 14 + T <= MaxFrame, and 14 + T <= L if L is known
    logic [16:0]  dgram_len;  // T: IPv4 total length, or 40 + IPv6 payload length
    logic [13:0]  text_len;   // C, when hdr_ok
    logic [9:0]   icv_beat;   // the beat holding the datagram's last byte, when hdr_ok
    logic [31:0]  spi;
    logic [31:0]  sn;         // ESP sequence number, low 32 bits
    logic [63:0]  iv;
    logic [15:0]  csum_part;  // IPv4: ones' complement sum of the header words other than
                              // total length and checksum (RFC 791, RFC 1071)
  } rx_parse_t;

  // A beat of the wire stream.
  typedef struct packed {
    logic [127:0] data;
    logic [15:0]  keep;
    logic         last;
    logic         user;
  } rx_beat_t;

  // How a frame ends (contract section 4: exactly one of bypass, out, auth-fail, drop).
  typedef enum logic [1:0] {
    RxDrop   = 2'd0,  // before classification: tuser, runt, oversize, wire metadata
    RxBypass = 2'd1,  // not ESP for a known RX SA: forwarded unchanged
    RxTrunc  = 2'd2,  // matched, datagram truncated: dec_in + dec_drop (0x17 if forwarded)
    RxGcm    = 2'd3   // matched and decrypted: the esp_gcm status decides
  } rx_fate_e;

  // A stored frame, queued in arrival order for the read side.
  typedef struct packed {
    rx_fate_e              fate;
    logic                  in_gcm;     // went through esp_gcm: one status to consume
    logic [BufPtrW-1:0]    base;       // buffer pointer of beat 0
    logic [BeatCntW-1:0]   nbeats;     // beats stored (the frame, cut at MaxFrame)
    logic [13:0]           frame_len;  // L (when not dropped)
    logic                  ipv6;
    logic [16:0]           dgram_len;  // T
    logic [15:0]           csum_part;
    logic [31:0]           handle;     // sw_sa_handle of the matched SA
  } rx_desc_t;

  // ---- Packet offload decapsulation (esp_rx_decap, docs/packet_offload.md P4) -------------
  // One record per host-bound frame, in frame order, pushed by the RX read side when it
  // decides the frame: with or before the frame's first beat at the decapsulator.
  typedef struct packed {
    logic         pkt;       // the frame is a good ESP frame of an RX packet SA (0x11 layout)
    logic         tunnel;    // the SA's mode: 1 tunnel, 0 transport (ADD_SA_PKT `mode`)
    logic         ipv6;      // the frame's (outer) IP header is IPv6
    logic         drop;      // discard the whole frame (the replay recheck, P4 item 3)
    logic [7:0]   next_hdr;  // the ESP trailer's next header (the verdict's, as in the
                             // metadata): a tunnel frame's fate is known before its data
    logic [15:0]  sa_index;  // the SA's table index (P2), for its lifetime counters
  } rx_decap_rec_t;

  // ---- Packet offload in the RX pipeline (esp_rx with PktOffload, packet section P4) ------
  // What the SA lookup and the replay check say of a frame, beside the lookup's hit: made
  // CheckLatency clocks after the lookup's result, when the check's answer is in.
  typedef struct packed {
    logic         pkt;       // the hit SA is a packet SA
    logic         tunnel;    // its mode (ADD_SA_PKT `mode`)
    logic [15:0]  idx;       // its table index
    logic [1:0]   verdict;   // esp_rx_replay_pkg::replay_verdict_e of the check before the ICV
    logic [31:0]  seq_hi;    // the inferred high half of the sequence number (0 without ESN)
  } rx_pkt_res_t;

  // The same, kept with a stored frame for the read side, beside its rx_desc_t.
  typedef struct packed {
    logic         pkt;       // a frame of an RX packet SA that reached classification
    logic         rdrop;     // dropped by the check before the ICV (not truncated)
    logic         tunnel;
    logic [15:0]  idx;
    logic [1:0]   verdict;
    logic [63:0]  seq;       // the inferred 64-bit sequence number
  } rx_pkt_desc_t;

endpackage
