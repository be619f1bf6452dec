// RX header parser (contract section 7): watches the wire beats as they are accepted,
// issues the SA lookup of an ESP candidate as soon as its key is in (IPv4: beat 2, IPv6:
// beat 3), and produces one record per frame the clock after its header window is in (5
// beats, the IPv6 IV ends at byte 69, or the whole frame if shorter).
//
// Timing: the record is worked out from the window's registers, a clock after the beat
// that completed it; the IPv4 header checksum's partial sum is summed over two clocks while
// the later beats arrive (two adds of four words, then the fold), so it is ready by the
// record of any frame of five beats or more. Shorter frames cannot hold a datagram to
// decrypt (the smallest, IPv4, is 66 bytes), the only ones whose checksum is used: their
// csum_part is undefined.
//
// ESP candidates: IPv4 with IHL 5, protocol 50, not a fragment (MF and offset zero), or
// IPv6 with next header 50 directly after the fixed header; the ESP header (8 bytes) must
// lie within the frame. The SA match key is (rx, IPv6, SIP, DIP, SPI), IPv4 addresses in
// the low 32 bits (contract section 3, inferred).
//
// With PktOffload (packet section P4), the lookup request carries the ESP sequence number's
// low half too (`lkp_sn_o`, in the beat that holds the SPI: IPv4 bytes 38..41 of beat 2,
// IPv6 bytes 58..61 of beat 3), for the replay check esp_rx asks with the lookup's result.
module esp_rx_parse #(
  parameter int MaxFrame  = 9216,
  parameter int PktOffload = 0
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,

  input  logic                   valid_i,  // a wire beat is offered this clock (taken or not)
  input  logic                   beat_i,   // a wire beat is accepted this clock
  input  logic [127:0]           data_i,
  input  logic [15:0]            keep_i,
  input  logic                   last_i,

  output logic                   lkp_valid_o,
  output sadb_pkg::sa_key_t      lkp_key_o,
  output logic [31:0]            lkp_sn_o,     // with PktOffload; 0 without

  output logic                   rec_valid_o,  // the clock after the beat that completes the window
  output esp_rx_pkg::rx_parse_t  rec_o
);

  // Ones' complement folding of a sum of 16-bit words (RFC 1071).
  function automatic logic [15:0] fold(input logic [18:0] s);
    logic [16:0] t;
    t = {1'b0, s[15:0]} + {14'b0, s[18:16]};
    fold = t[15:0] + {15'b0, t[16]};
  endfunction

  // ---- Header window: frame bytes 12..69, in frame order --------------------------------------
  // hdr holds frame byte n in hdr[8 * (HdrEnd - n) - 1 -: 8], so that a field of k bytes at
  // byte n is the big-endian value hdr[8 * (HdrEnd - n) - 1 -: 8 * k].
  localparam int HdrEnd = 70;

  localparam int MinTl = esp_rx_pkg::Ipv4HdrBytes + esp_rx_pkg::EspMinBytes;  // T >= these
  localparam int MinPl = esp_rx_pkg::EspMinBytes;
  localparam int End4  = esp_rx_pkg::EthHdrBytes;                             // 14 + T - TL
  localparam int End6  = esp_rx_pkg::EthHdrBytes + esp_rx_pkg::Ipv6HdrBytes;  // 14 + T - PL

  logic [2:0]   idx_q;             // beat index in the frame, saturating at 5
  logic         at2_q, at3_q;      // idx_q is 2, 3: the lookup's beats, decoded a beat ahead
  logic         looked_up_q;
  logic [31:0]  b0_q;              // bytes 12..15
  logic [127:0] b1_q, b2_q, b3_q;  // bytes 16..31, 32..47, 48..63
  logic [47:0]  b4_q;              // bytes 64..69
  logic [127:0] data_be;
  logic         lkp_now;           // the SA lookup goes out with this beat

  assign data_be = gcm_pkg::bswap(data_i);  // byte 0 of the beat in the top byte

  // The window as of this clock: the beat being accepted takes its place.
  logic [31:0]  w0;
  logic [127:0] w1, w2, w3;
  logic [47:0]  w4;
  // The beat's view decides the lookup (bytes 12..23, the key up to byte 57); the record
  // reads the registers a clock later (hdr_q), so some bytes of each go unread.
  /* verilator lint_off UNUSEDSIGNAL */
  logic [8*(HdrEnd-12)-1:0] hdr;
  /* verilator lint_on UNUSEDSIGNAL */
  always_comb begin
    w0 = b0_q;
    w1 = b1_q;
    w2 = b2_q;
    w3 = b3_q;
    w4 = b4_q;
    // The offered beat, taken or not: whatever reads the window acts only with beat_i, when
    // the two agree, and the window's choice then waits for no ready (in the engine the
    // ready is logic of the queues' fill levels, the valid a register).
    if (valid_i) begin
      unique case (idx_q)
        3'd0:    w0 = data_be[31:0];
        3'd1:    w1 = data_be;
        3'd2:    w2 = data_be;
        3'd3:    w3 = data_be;
        3'd4:    w4 = data_be[127:80];
        default: ;
      endcase
    end
    hdr = {w0, w1, w2, w3, w4};
  end

  always_ff @(posedge clk_i) begin
    if (beat_i) begin
      unique case (idx_q)
        3'd0:    b0_q <= data_be[31:0];
        3'd1:    b1_q <= data_be;
        3'd2:    b2_q <= data_be;
        3'd3:    b3_q <= data_be;
        3'd4:    b4_q <= data_be[127:80];
        default: ;
      endcase
    end
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      idx_q       <= '0;
      at2_q       <= 1'b0;
      at3_q       <= 1'b0;
      looked_up_q <= 1'b0;
    end else if (beat_i) begin
      idx_q       <= last_i ? 3'd0 : (idx_q == 3'd5 ? 3'd5 : idx_q + 3'd1);
      at2_q       <= !last_i && idx_q == 3'd1;
      at3_q       <= !last_i && idx_q == 3'd2;
      looked_up_q <= !last_i && (looked_up_q || lkp_now);
    end
  end

  // ---- Fields ----------------------------------------------------------------------------------
  // The window as registered (what `hdr` showed on the beat before), which the record and
  // the checksum read. The candidate checks' bytes (12..23) are all in by beat 1: they are
  // worked out on that beat and registered (cand4_q, cand6_q), so the lookup decision on
  // beat 2 or 3 reads registers.
  /* verilator lint_off UNUSEDSIGNAL */
  logic [8*(HdrEnd-12)-1:0] hdr_q;  // the record does not read the addresses
  /* verilator lint_on UNUSEDSIGNAL */
  assign hdr_q = {b0_q, b1_q, b2_q, b3_q, b4_q};

  logic [15:0]  ethertype;
  logic         cand4, cand6, ipv6;
  logic         cand4_q, cand6_q;
  logic [7:0]   lim4, lim6;     // bytes so far less 14 and 54, when the frame ends in the window
  logic [31:0]  spi;
  logic [127:0] sip, dip;

  always_comb begin
    ethertype   = hdr[8*(HdrEnd-12)-1 -: 16];
    ipv6        = ethertype == esp_pkg::EthertypeIpv6;  // for the record (any beat)
    // IPv4: version 4, IHL 5, protocol 50 (byte 23), flags MF and fragment offset (bytes
    // 20..21, but for DF and the reserved bit) zero.
    // Used on beat 1 only: bytes 12..15 from beat 0's register, 16..23 from the beat itself
    // (data_be holds byte 16 + n in data_be[127 - 8n -: 8]).
    cand4 = b0_q[31:16] == esp_pkg::EthertypeIpv4 && b0_q[15:8] == 8'h45 &&
            data_be[127-8*7 -: 8] == esp_pkg::IpProtoEsp &&
            data_be[127-8*4-2 -: 14] == 14'd0;
    // IPv6: version 6, next header 50 (byte 20).
    cand6 = b0_q[31:16] == esp_pkg::EthertypeIpv6 && b0_q[15:12] == 4'd6 &&
            data_be[127-8*4 -: 8] == esp_pkg::IpProtoEsp;
    // The bytes before this beat (16 a beat) less the constant first, a function of idx_q
    // alone, then one add of the beat's byte count.
    lim4 = (8'({idx_q[2:0], 4'b0}) - 8'(End4)) + 8'(esp_pkg::keep_count(keep_i));
    lim6 = (8'({idx_q[2:0], 4'b0}) - 8'(End6)) + 8'(esp_pkg::keep_count(keep_i));

    // The lookup goes out with the beat holding the SPI, if the ESP header is in the frame
    // (IPv4: SPI at 34, E + 8 = 42; IPv6: SPI at 54, E + 8 = 62).
    // (tkeep contiguous: byte 41 of beat 2 is byte 9 of the beat, byte 61 of beat 3 byte 13.)
    lkp_now = beat_i && (
              (at2_q && cand4_q && (!last_i || keep_i[9])) ||
              (at3_q && cand6_q && (!last_i || keep_i[13])));

    // The lookup key. RFC 8200: addresses at 22 and 38, ESP at 54. RFC 791: addresses at
    // 26 and 30, ESP at 34.
    // A lookup goes out only for a candidate, so cand6_q tells the IP version.
    if (cand6_q) begin
      sip = hdr[8*(HdrEnd-22)-1 -: 128];
      dip = hdr[8*(HdrEnd-38)-1 -: 128];
      spi = hdr[8*(HdrEnd-54)-1 -: 32];
    end else begin
      sip = {96'b0, hdr[8*(HdrEnd-26)-1 -: 32]};
      dip = {96'b0, hdr[8*(HdrEnd-30)-1 -: 32]};
      spi = hdr[8*(HdrEnd-34)-1 -: 32];
    end
  end

  always_ff @(posedge clk_i) begin
    if (beat_i && idx_q == 3'd1) begin
      cand4_q <= cand4;
      cand6_q <= cand6;
    end
  end

  // ---- The lookup request -------------------------------------------------------------------
  logic              lkp_valid_q;
  sadb_pkg::sa_key_t lkp_key_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) lkp_valid_q <= 1'b0;
    else         lkp_valid_q <= lkp_now;
  end

  always_ff @(posedge clk_i) begin
    if (lkp_now) begin
      lkp_key_q.dir_tx <= 1'b0;
      lkp_key_q.ipv6   <= cand6_q;
      lkp_key_q.sip    <= sip;
      lkp_key_q.dip    <= dip;
      lkp_key_q.spi    <= spi;
    end
  end

  assign lkp_valid_o = lkp_valid_q;
  assign lkp_key_o   = lkp_key_q;

  // The sequence number, beside the key (RFC 4303 section 2: 4 bytes after the SPI).
  if (PktOffload != 0) begin : g_sn
    logic [31:0] lkp_sn_q;
    always_ff @(posedge clk_i) begin
      if (lkp_now) lkp_sn_q <= cand6_q ? hdr[8*(HdrEnd-58)-1 -: 32] : hdr[8*(HdrEnd-38)-1 -: 32];
    end
    assign lkp_sn_o = lkp_sn_q;
  end else begin : g_no_sn
    assign lkp_sn_o = '0;
  end

  // ---- The frame's record, a clock after the beat that completes the window ----------------
  // The window registers then hold what `hdr` showed on that beat: the beat has taken its
  // place, and the places it did not reach hold what they held.
  logic        r_valid_q, r_last_q, r_looked_up_q, r_ipv6_q, r_meta_q;
  logic [7:0]  r_lim4_q, r_lim6_q;  // L - 14 and L - 54: the largest field that fits, signed

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) r_valid_q <= 1'b0;
    else         r_valid_q <= beat_i && (idx_q == 3'd4 || (last_i && idx_q < 3'd4));
  end

  always_ff @(posedge clk_i) begin
    if (beat_i) begin
      r_last_q      <= last_i;
      r_looked_up_q <= looked_up_q || lkp_now;
      r_lim4_q      <= lim4;
      r_lim6_q      <= lim6;
      r_ipv6_q      <= ipv6;
      r_meta_q      <= ethertype == esp_pkg::MetaEthertype;
    end
  end

  // IPv4 header words other than total length (16) and checksum (24), from the window's
  // registers: four words from beats 0 and 1, four from beats 1 and 2, then their sum folded.
  logic [17:0] csum_a_q, csum_b_q;
  logic [15:0] csum_q;

  always_ff @(posedge clk_i) begin
    csum_a_q <= 18'(hdr_q[8*(HdrEnd-14)-1 -: 16]) + 18'(hdr_q[8*(HdrEnd-18)-1 -: 16]) +
                18'(hdr_q[8*(HdrEnd-20)-1 -: 16]) + 18'(hdr_q[8*(HdrEnd-22)-1 -: 16]);
    csum_b_q <= 18'(hdr_q[8*(HdrEnd-26)-1 -: 16]) + 18'(hdr_q[8*(HdrEnd-28)-1 -: 16]) +
                18'(hdr_q[8*(HdrEnd-30)-1 -: 16]) + 18'(hdr_q[8*(HdrEnd-32)-1 -: 16]);
    csum_q   <= fold(19'(csum_a_q) + 19'(csum_b_q));
  end

  // The fields, from the registers. RFC 8200: payload length at 18, ESP at 54. RFC 791:
  // total length at 16, ESP at 34. Each length check is written per IP version on the raw
  // length field, with the constants folded in (14 + T for IPv4 is TL + 14, for IPv6
  // PL + 54), so that each is one add or compare, then a choice by the registered version.
  logic [15:0] tl, pl;
  logic        ok4, ok6;
  // The length fields' range checks, from the registers a clock earlier: TL and PL are in
  // beat 1, registered two clocks or more before the record of any frame they matter for
  // (a frame that can hit an SA and not be dropped as a runt has at least 4 beats).
  logic        tl_ok_q, pl_ok_q, tl_small_q, pl_small_q;  // small: below 128

  always_ff @(posedge clk_i) begin
    tl_ok_q <= hdr_q[8*(HdrEnd-16)-1 -: 16] >= 16'(MinTl) &&
               hdr_q[8*(HdrEnd-16)-1 -: 16] <= 16'(MaxFrame - End4);
    pl_ok_q <= hdr_q[8*(HdrEnd-18)-1 -: 16] >= 16'(MinPl) &&
               hdr_q[8*(HdrEnd-18)-1 -: 16] <= 16'(MaxFrame - End6);
    tl_small_q <= hdr_q[8*(HdrEnd-16)-1 -: 9] == '0;
    pl_small_q <= hdr_q[8*(HdrEnd-18)-1 -: 9] == '0;
  end

  always_comb begin
    tl = hdr_q[8*(HdrEnd-16)-1 -: 16];
    pl = hdr_q[8*(HdrEnd-18)-1 -: 16];
    // C >= 2, 14 + T <= MaxFrame, and 14 + T <= L when the frame ended inside the window
    // (L < 128, so 14 + T <= L needs the field below 128).
    ok4 = tl_ok_q &&
          (!r_last_q || (tl_small_q && !r_lim4_q[7] && tl[6:0] <= r_lim4_q[6:0]));
    ok6 = pl_ok_q &&
          (!r_last_q || (pl_small_q && !r_lim6_q[7] && pl[6:0] <= r_lim6_q[6:0]));

    rec_o.looked_up = r_looked_up_q;
    rec_o.meta      = r_meta_q;
    rec_o.ipv6      = r_ipv6_q;
    if (r_ipv6_q) begin
      rec_o.hdr_ok    = ok6;
      rec_o.dgram_len = 17'(pl) + 17'(esp_rx_pkg::Ipv6HdrBytes);
      rec_o.text_len  = 14'(pl) - 14'(MinPl - 2);                // C = T - 40 - 32
      rec_o.icv_beat  = 10'((17'(pl) + 17'(End6 - 1)) >> 4);     // (14 + T - 1) / 16
      rec_o.spi       = hdr_q[8*(HdrEnd-54)-1 -: 32];
      rec_o.sn        = hdr_q[8*(HdrEnd-58)-1 -: 32];
      rec_o.iv        = hdr_q[8*(HdrEnd-62)-1 -: 64];
    end else begin
      rec_o.hdr_ok    = ok4;
      rec_o.dgram_len = 17'(tl);
      rec_o.text_len  = 14'(tl) - 14'(MinTl - 2);                // C = T - 20 - 32
      rec_o.icv_beat  = 10'((17'(tl) + 17'(End4 - 1)) >> 4);
      rec_o.spi       = hdr_q[8*(HdrEnd-34)-1 -: 32];
      rec_o.sn        = hdr_q[8*(HdrEnd-38)-1 -: 32];
      rec_o.iv        = hdr_q[8*(HdrEnd-42)-1 -: 64];
    end
    rec_o.csum_part = csum_q;
  end

  assign rec_valid_o = r_valid_q;

endmodule
