// Types and constants of the ESP datapath (rtl/esp).
package esp_pkg;

  // ---- Contract section 5: in-band metadata between NIC and FPGA -----------------------
  localparam logic [15:0] MetaEthertype   = 16'h8CE4;
  localparam int          MetaBytes       = 8;
  localparam logic [7:0]  SyndTxOffload   = 8'h08;  // TX: encrypt one packet
  localparam logic [7:0]  SyndTxLso       = 8'h09;  // TX: encrypt one LSO segment
  localparam logic [7:0]  SyndRxDecrypted = 8'h11;  // RX: decrypted and authenticated
  localparam logic [7:0]  SyndRxAuthFail  = 8'h12;  // RX: ICV mismatch (debug forwarding)
  localparam logic [7:0]  SyndRxBadProto  = 8'h17;  // RX: truncated or bad trailer (debug)
  localparam logic [7:0]  SyndRxDecap     = 8'h13;  // RX: packet SA, decapsulated (packet P4)

  localparam logic [15:0] EthertypeIpv4   = 16'h0800;
  localparam logic [15:0] EthertypeIpv6   = 16'h86DD;
  localparam logic [7:0]  IpProtoEsp      = 8'd50;
  localparam logic [7:0]  IpProtoTcp      = 8'd6;
  localparam logic [7:0]  IpProtoIpv4     = 8'd4;
  localparam logic [7:0]  IpProtoIpv6     = 8'd41;

  // ESP with AES-GCM (RFC 4303 section 2, RFC 4106 section 3): header, IV, ICV.
  localparam int EspHdrBytes = 8;
  localparam int EspIvBytes  = 8;
  localparam int IcvBytes    = 16;

  // Frames shorter than the Ethernet minimum (without FCS) are runts.
  localparam int MinFrame = 60;

  // Byte positions within a frame: up to 9216 bytes plus what the engine adds.
  localparam int PosW = 14;
  typedef logic [PosW-1:0] pos_t;

  // Bytes in a beat whose tkeep is contiguous from bit 0 (AXI4-Stream's continuous aligned
  // stream, as every port of the engine carries: the TX strip, too, reads a last beat's
  // length from single keep bits): the thermometer code read as a number, two LUT levels,
  // where counting the bits would take an adder tree.
  function automatic logic [4:0] keep_count(input logic [15:0] keep);
    logic [4:0] n;
    n[4] = keep[15];
    n[3] = keep[7] && !keep[15];
    n[2] = (keep[3] && !keep[7]) || (keep[11] && !keep[15]);
    n[1] = 1'b0;
    n[0] = 1'b0;
    for (int i = 1; i < 16; i += 4) n[1] = n[1] || (keep[i] && !keep[i + 2]);
    for (int i = 0; i < 16; i += 2) n[0] = n[0] || (keep[i] && !keep[i + 1]);
    keep_count = n;
  endfunction

  // ---- esp_gcm: AES-GCM on a frame, in place --------------------------------------------
  typedef enum logic [1:0] {
    GcmNone    = 2'd0,  // the frame passes unchanged
    GcmEncrypt = 2'd1,  // text encrypted in place, the 16 bytes after it become the ICV
    GcmDecrypt = 2'd2   // text decrypted in place, the ICV after it checked, trailer checked
  } gcm_mode_e;

  // Per frame, with its first beat.
  typedef struct packed {
    gcm_mode_e    mode;
    logic [255:0] key;         // AES-128: key[255:128]
    logic         key256;
    logic [95:0]  nonce;       // salt || IV, byte 0 in [95:88]
    logic [95:0]  aad;         // SPI || SN, or SPI || SN_hi || SN_lo; byte 0 in [95:88]
    logic         aad12;       // 12 bytes of AAD (ESN) instead of 8
    pos_t         text_start;  // >= 32: beats 0 and 1 carry no text
    pos_t         text_len;    // >= 1; the ICV follows the text directly
  } gcm_ctx_t;

  // One beat in the AES pipe of esp_gcm.
  typedef struct packed {
    gcm_mode_e    mode;
    logic         h_slot;      // this slot computes H = E(K, 0^128)
    logic         j0_slot;     // this slot computes E(K, J0)
    logic         text_beat;   // the beat holds text: the slot computes a counter block
    logic         push_x;      // a GHASH block completes here
    logic         icv_first;   // first beat holding ICV bytes
    logic         icv_last;    // beat holding the last ICV byte, or the frame's cut
    logic         x_last;      // the frame's last GHASH text block completes here, or
                               // the frame's cut (decrypt) queues its last block
    logic         trl_done;    // decrypt: the beat holding the last text byte, or the
                               // frame's cut before it
    logic         cut;         // decrypt: the frame ends here, before its ICV does
    logic [3:0]   text_off;    // text_start mod 16
    logic [3:0]   icv_off;     // (text_start + text_len) mod 16
    logic [15:0]  text_mask;   // bytes of this beat that are text
    logic [15:0]  icv_mask;    // bytes of this beat that are ICV
    logic [15:0]  run_sel;     // text bytes C-3, C-2, C-1 of a text of C bytes, where in
    logic [15:0]  pad_sel;     // this beat: the end of the pad run, the pad length, the
    logic [15:0]  nh_sel;      // next header (RFC 4303 section 2.4)
    pos_t         text_len;
    logic         last;
    logic [15:0]  keep;
    logic [127:0] data;
  } gcm_slot_t;

  // Per frame, from the input to the GHASH engine: what it decides on, precomputed.
  typedef struct packed {
    logic         encrypt;     // else decrypt
    logic         no_text;     // text_len == 0
    logic [1:0]   tag_rot;     // (text_start + text_len) mod 4: the tag's rotation (bytes) as
                               // it is queued
    logic [95:0]  aad;
    logic         aad12;
    pos_t         text_len;
  } gcm_frame_t;

  // Decrypt verdict, one per decrypted frame.
  typedef struct packed {
    logic         tag_ok;
    logic         trailer_ok;
    logic [7:0]   pad_len;
    logic [7:0]   next_hdr;
  } gcm_status_t;

  // A beat between the rotate stage and the output of esp_gcm.
  typedef struct packed {
    logic         need_tag;  // encrypting, and ICV bytes in the beat: it waits for its tag
    logic         icv_last;
    logic [15:0]  tag_mask;  // encrypting: the ICV bytes, where the tag goes
    logic [1:0]   tag_rot;   // the tag's rotation left to do (ICV offset / 4, in words)
    logic         last;
    logic [15:0]  keep;
    logic [127:0] data;
  } gcm_out_beat_t;

  // Trailer check result (RFC 4303 section 2.4: pad bytes 1, 2, 3, ...).
  typedef struct packed {
    logic         ok;
    logic [7:0]   pad_len;
    logic [7:0]   next_hdr;
  } trailer_t;

  // ---- TX direction (host to wire), contract section 6 --------------------------------

  // Beats of a frame head the parser sees at once: enough for the TCP sequence number of
  // an LSO segment in the deepest case (outer IPv6, inner IPv4 with options).
  localparam int WinBeats = 10;
  localparam int WinBytes = 16 * WinBeats;

  // Bit 1: encrypted, bit 0: passes unchanged (esp_tx_edit decides on single bits).
  typedef enum logic [1:0] {
    TxDrop    = 2'd0,  // dropped before anything leaves
    TxBypass  = 2'd1,  // no metadata: unchanged
    TxEncrypt = 2'd2
  } tx_kind_e;

  // What the parser decided for one frame. The edit takes the output header from the frame
  // itself (the metadata stripped) and writes over it only the fields that change: the IP
  // length, the IPv4 checksum, the ESP sequence number and the IV (the SN, nonce[63:0]).
  typedef struct packed {
    tx_kind_e                kind;
    logic                    classified;  // carried metadata and reached classification: enc_in
    // Encrypt only (output positions, metadata removed):
    logic [255:0]            key;
    logic                    key256;
    logic [95:0]             nonce;       // salt || IV, the IV being the 64-bit SN
    logic [95:0]             aad;
    logic                    aad12;
    pos_t                    text_start;  // first payload byte
    pos_t                    text_len;    // payload + pad + 2: what GCM encrypts
    pos_t                    dgram_end;   // first trailer byte = 14 + IP datagram length
    logic [15:0]             dgram_lanes; // lanes below dgram_end mod 16
    pos_t                    out_len;     // datagram end + trailer + ICV
    logic [PosW-5:0]         last_beat;   // (out_len - 1) / 16: the frame's final output beat
    // The trailer (RFC 4303 section 2.4: pad 1, 2, .., pad length, next header) in its
    // place: the lanes of the beat holding dgram_end (0 below it, and after the trailer's
    // bytes: the ICV's, written by esp_gcm), and the first four lanes of the beat after.
    logic [127:0]            trailer_at;
    logic [31:0]             trailer_next;
    logic                    ipv4;        // the header fields below sit at IPv4's places
    logic [15:0]             ip_len;      // IPv4 total length / IPv6 payload length, grown
    logic [15:0]             ip_csum;     // IPv4 header checksum over the grown header
  } tx_decision_t;

  // ---- TX packet offload (docs/packet_offload.md, packet section P3) ---------------------
  localparam logic [7:0] SyndTxPkt = 8'h0A;  // TX: the plain packet, the engine does ESP

  // One packet SA's TX state, as the SA command executor writes it at ADD_SA_PKT (packet
  // section P2) and DEL_SA (valid 0). Addresses as sadb_pkg's keys: byte 0 of the address
  // in bits 127:120, an IPv4 address in bits 31:0.
  typedef struct packed {
    logic         valid;
    logic [15:0]  handle;      // the low 16 bits of sw_sa_handle: a 0x0A frame names them
    logic [31:0]  spi;
    logic         esn;
    logic [63:0]  seq;         // the sequence number of the SA's next packet
    logic         tunnel;      // else transport
    logic         outer6;      // the image's IPv6 flag: tunnel, the outer family; transport,
                               // the packets' family
    logic [127:0] sip;         // tunnel: outer source
    logic [127:0] dip;         // tunnel: outer destination
    logic [7:0]   ttl;         // tunnel: outer TTL / hop limit
    logic [7:0]   tos;         // tunnel: outer DSCP and ECN unless copied
    logic [1:0]   flags;       // bit 0: DSCP from the inner header; bit 1: IPv4 DF from it
    logic [19:0]  flow;        // tunnel, IPv6: outer flow label
  } tx_pkt_sa_t;

  // Why a 0x0A frame was dropped: Truncated, NoSa, Handle, Stale, then Expired, Malformed,
  // Cut, Exhausted (the reference model's order of checks), the first that applies. Truncated is the
  // one decided before classification (contract section 4: as a crypto frame's runt or MAC
  // error, enc_drop without enc_in); the others are the packet SA's refusals.
  typedef enum logic [3:0] {
    PktSent      = 4'd0,
    PktTruncated = 4'd1,  // a runt (under 60 bytes, or ending in beat 1) or a MAC error
    PktNoSa      = 4'd2,  // index beyond the table, or no SA there
    PktHandle    = 4'd3,  // an SA of another handle (the index was reused)
    PktStale     = 4'd4,  // the SA was written on the clock its state was read
    PktMalformed = 4'd5,  // not IPv4 / IPv6 as the SA's mode and family take, or longer
                          // than any frame
    PktExhausted = 4'd6,  // RFC 4303 section 3.3.3: the sequence number would cycle
    PktExpired   = 4'd7,  // the lifetime unit marked the SA hard-expired
    PktCut       = 4'd8   // the datagram goes past the frame's end
  } tx_pkt_fate_e;

  // Per 0x0A frame, with its last beat.
  typedef struct packed {
    logic [15:0]  index;   // as the frame named it (all ones: the frame ended before it)
    logic [16:0]  ip_len;  // the IP packet as the host sent it: total length, IPv6 + 40
    tx_pkt_fate_e fate;
  } tx_pkt_event_t;

endpackage
