// RX header parser (contract section 7): watches the wire beats as they are accepted,
// issues the SA lookup of an ESP candidate as soon as its key is in (IPv4: beat 2, IPv6:
// beat 3), and produces one record per frame once its header window is in (5 beats, the
// IPv6 IV ends at byte 69, or the whole frame if shorter).
//
// ESP candidates: IPv4 with IHL 5, protocol 50, not a fragment (MF and offset zero), or
// IPv6 with next header 50 directly after the fixed header; the ESP header (8 bytes) must
// lie within the frame. The SA match key is (rx, IPv6, SIP, DIP, SPI), IPv4 addresses in
// the low 32 bits (contract section 3, inferred).
module esp_rx_parse #(
  parameter int MaxFrame = 9216
) (
  input  logic                   clk_i,
  input  logic                   rst_ni,

  input  logic                   beat_i,   // a wire beat is accepted this clock
  input  logic [127:0]           data_i,
  input  logic [15:0]            keep_i,
  input  logic                   last_i,

  output logic                   lkp_valid_o,
  output sadb_pkg::sa_key_t      lkp_key_o,

  output logic                   rec_valid_o,  // with the beat that completes the window
  output esp_rx_pkg::rx_parse_t  rec_o
);

  // Byte order reversed: byte 0 of a beat in the most significant byte.
  function automatic logic [127:0] bswap(input logic [127:0] x);
    logic [127:0] y;
    for (int i = 0; i < 16; i++) y[8*i +: 8] = x[127 - 8*i -: 8];
    bswap = y;
  endfunction

  // Bytes of the last beat of a frame (tkeep is contiguous from byte 0).
  function automatic logic [4:0] keep_bytes(input logic [15:0] keep);
    logic [4:0] n;
    n = 5'd0;
    for (int i = 0; i < 16; i++) n = n + 5'(keep[i]);
    keep_bytes = n;
  endfunction

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

  logic [2:0]   idx_q;             // beat index in the frame, saturating at 5
  logic         looked_up_q;
  logic [31:0]  b0_q;              // bytes 12..15
  logic [127:0] b1_q, b2_q, b3_q;  // bytes 16..31, 32..47, 48..63
  logic [47:0]  b4_q;              // bytes 64..69
  logic [127:0] data_be;
  logic         lkp_now;           // the SA lookup goes out with this beat

  assign data_be = bswap(data_i);

  // The window as of this clock: the beat being accepted takes its place.
  logic [31:0]  w0;
  logic [127:0] w1, w2, w3;
  logic [47:0]  w4;
  logic [8*(HdrEnd-12)-1:0] hdr;
  always_comb begin
    w0 = b0_q;
    w1 = b1_q;
    w2 = b2_q;
    w3 = b3_q;
    w4 = b4_q;
    if (beat_i) begin
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
      looked_up_q <= 1'b0;
    end else if (beat_i) begin
      idx_q       <= last_i ? 3'd0 : (idx_q == 3'd5 ? 3'd5 : idx_q + 3'd1);
      looked_up_q <= !last_i && (looked_up_q || lkp_now);
    end
  end

  // ---- Fields ----------------------------------------------------------------------------------
  logic [15:0]  ethertype;
  logic         cand4, cand6, ipv6;
  logic [6:0]   len_now;        // bytes so far, when the frame ends within the window
  logic [16:0]  dgram_len, min_len;
  logic [17:0]  dgram_end;      // 14 + T
  logic [31:0]  spi, sn;
  logic [127:0] sip, dip;
  logic [63:0]  iv;
  logic [18:0]  csum_sum;

  always_comb begin
    ethertype = hdr[8*(HdrEnd-12)-1 -: 16];
    // IPv4: version 4, IHL 5, protocol 50 (byte 23), flags MF and fragment offset (bytes
    // 20..21, but for DF and the reserved bit) zero.
    cand4 = ethertype == esp_pkg::EthertypeIpv4 && hdr[8*(HdrEnd-14)-1 -: 8] == 8'h45 &&
            hdr[8*(HdrEnd-23)-1 -: 8] == esp_pkg::IpProtoEsp &&
            hdr[8*(HdrEnd-20)-3 -: 14] == 14'd0;
    // IPv6: version 6, next header 50 (byte 20).
    cand6 = ethertype == esp_pkg::EthertypeIpv6 && hdr[8*(HdrEnd-14)-1 -: 4] == 4'd6 &&
            hdr[8*(HdrEnd-20)-1 -: 8] == esp_pkg::IpProtoEsp;
    ipv6  = ethertype == esp_pkg::EthertypeIpv6;
    len_now = {idx_q[2:0], 4'b0} + {2'b0, keep_bytes(keep_i)};

    // The lookup goes out with the beat holding the SPI, if the ESP header is in the frame
    // (IPv4: SPI at 34, E + 8 = 42; IPv6: SPI at 54, E + 8 = 62).
    lkp_now = beat_i && (
              (idx_q == 3'd2 && cand4 && (!last_i || len_now >= 7'd42)) ||
              (idx_q == 3'd3 && cand6 && (!last_i || len_now >= 7'd62)));

    if (ipv6) begin
      // RFC 8200: payload length at 18, addresses at 22 and 38; ESP at 54.
      sip = hdr[8*(HdrEnd-22)-1 -: 128];
      dip = hdr[8*(HdrEnd-38)-1 -: 128];
      spi = hdr[8*(HdrEnd-54)-1 -: 32];
      sn  = hdr[8*(HdrEnd-58)-1 -: 32];
      iv  = hdr[8*(HdrEnd-62)-1 -: 64];
      dgram_len = 17'(esp_rx_pkg::Ipv6HdrBytes) + {1'b0, hdr[8*(HdrEnd-18)-1 -: 16]};
      min_len   = 17'(esp_rx_pkg::Ipv6HdrBytes + esp_rx_pkg::EspMinBytes);
    end else begin
      // RFC 791: total length at 16, addresses at 26 and 30; ESP at 34.
      sip = {96'b0, hdr[8*(HdrEnd-26)-1 -: 32]};
      dip = {96'b0, hdr[8*(HdrEnd-30)-1 -: 32]};
      spi = hdr[8*(HdrEnd-34)-1 -: 32];
      sn  = hdr[8*(HdrEnd-38)-1 -: 32];
      iv  = hdr[8*(HdrEnd-42)-1 -: 64];
      dgram_len = {1'b0, hdr[8*(HdrEnd-16)-1 -: 16]};
      min_len   = 17'(esp_rx_pkg::Ipv4HdrBytes + esp_rx_pkg::EspMinBytes);
    end
    dgram_end = 18'(dgram_len) + 18'(esp_rx_pkg::EthHdrBytes);

    // IPv4 header words other than total length (16) and checksum (24).
    csum_sum = 19'(hdr[8*(HdrEnd-14)-1 -: 16]) + 19'(hdr[8*(HdrEnd-18)-1 -: 16]) +
               19'(hdr[8*(HdrEnd-20)-1 -: 16]) + 19'(hdr[8*(HdrEnd-22)-1 -: 16]) +
               19'(hdr[8*(HdrEnd-26)-1 -: 16]) + 19'(hdr[8*(HdrEnd-28)-1 -: 16]) +
               19'(hdr[8*(HdrEnd-30)-1 -: 16]) + 19'(hdr[8*(HdrEnd-32)-1 -: 16]);
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
      lkp_key_q.ipv6   <= ipv6;
      lkp_key_q.sip    <= sip;
      lkp_key_q.dip    <= dip;
      lkp_key_q.spi    <= spi;
    end
  end

  assign lkp_valid_o = lkp_valid_q;
  assign lkp_key_o   = lkp_key_q;

  // ---- The frame's record ---------------------------------------------------------------------
  assign rec_valid_o = beat_i && (idx_q == 3'd4 || (last_i && idx_q < 3'd4));

  always_comb begin
    rec_o.looked_up = looked_up_q || lkp_now;
    rec_o.meta      = ethertype == esp_pkg::MetaEthertype;
    rec_o.ipv6      = ipv6;
    rec_o.hdr_ok    = dgram_len >= min_len && dgram_end <= 18'(MaxFrame) &&
                      (!last_i || dgram_end <= 18'(len_now));
    rec_o.dgram_len = dgram_len;
    rec_o.text_len  = 14'(dgram_len - min_len + 17'd2);
    rec_o.icv_beat  = 10'((dgram_end - 18'd1) >> 4);
    rec_o.spi       = spi;
    rec_o.sn        = sn;
    rec_o.iv        = iv;
    rec_o.csum_part = fold(csum_sum);
  end

endmodule
