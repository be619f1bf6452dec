// TX parser (host to wire): looks at the head of each frame as it enters the frame FIFO,
// classifies it (contract sections 5 and 6), looks up its TX SA and decides what leaves.
//
// The head is the first WinBeats beats (or the whole frame if shorter); the decision
// for a frame is queued LookupLatency + 1 clocks after its head is complete.
//   no metadata                              -> TxBypass
//   MAC error or runt, frame inside window   -> TxDrop (not classified)
//   metadata, then anything the engine
//   cannot offload or no TX SA               -> TxDrop (classified: enc_in)
//   otherwise                                -> TxEncrypt, with the header fields that change
// Offloadable: syndrome 0x08 / 0x09, IPv4 without options or IPv6 without extension
// headers carrying ESP, the datagram inside the frame, for LSO the TCP sequence number
// inside the datagram. LSO (0x09): the segment index is
// round(((tcp_seq_lo16 - meta.seq) mod 2^16) * mss_inv / 2^16); SN and IV advance by it.
module esp_tx_parse #(
  parameter int MaxFrame = 9216
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,

  // Beats entering the frame FIFO.
  input  logic                     in_fire_i,
  input  logic [127:0]             in_data_i,
  input  logic [15:0]              in_keep_i,
  input  logic                     in_last_i,
  input  logic                     in_user_i,

  // TX SA lookup, result LookupLatency clocks after the request.
  output logic                     lkp_valid_o,
  output sadb_pkg::sa_key_t        lkp_key_o,
  input  logic                     res_valid_i,
  input  logic                     res_hit_i,
  input  sadb_pkg::sa_ctx_t        res_ctx_i,

  // Decisions, one per frame in order.
  output logic                     dec_valid_o,
  input  logic                     dec_pop_i,
  output esp_pkg::tx_decision_t dec_o,
  output logic                     dec_room_o   // room for every frame the parser may hold
);

  localparam int W     = esp_pkg::WinBeats;
  localparam int WinW  = 8 * esp_pkg::WinBytes;
  localparam int PosW  = esp_pkg::PosW;
  localparam int Lat   = sadb_pkg::LookupLatency;

  // ---- the head window --------------------------------------------------------------------
  logic [127:0] win_q [W];
  localparam int CapW = $clog2(W + 1);
  logic [CapW-1:0] cap_q;          // beats of the current frame seen, saturating at W
  logic [WinW-1:0] head;
  logic            head_done;

  always_comb begin
    for (int i = 0; i < W; i++) begin
      if (CapW'(i) == cap_q)    head[128*i +: 128] = in_data_i;
      else if (CapW'(i) < cap_q) head[128*i +: 128] = win_q[i];
      else                      head[128*i +: 128] = '0;
    end
  end

  // The head is complete at the window's last beat or the frame's last beat.
  assign head_done = in_fire_i && cap_q < CapW'(W) && (cap_q == CapW'(W - 1) || in_last_i);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cap_q <= '0;
    end else if (in_fire_i) begin
      if (in_last_i)             cap_q <= '0;
      else if (cap_q < CapW'(W)) cap_q <= cap_q + 1'b1;
    end
  end

  always_ff @(posedge clk_i) begin
    for (int i = 0; i < W; i++) begin
      if (in_fire_i && cap_q == CapW'(i)) win_q[i] <= in_data_i;
    end
  end

  function automatic logic [3:0] keep_bytes8(input logic [7:0] keep);
    logic [3:0] n;
    n = '0;
    for (int i = 0; i < 8; i++) n = n + {3'b0, keep[i]};
    keep_bytes8 = n;
  endfunction

  // From the head's beat 1 (frame bytes 16..31): outer IPv4 or IPv6 carrying ESP, and the
  // metadata's next header (TCP, IPv4, IPv6): {is4, is6, tcp, in4, in6}.
  function automatic logic [4:0] beat1_classes(input logic [7:0] nh, input logic [15:0] etype,
                                               input logic [7:0] b22, input logic [7:0] b28,
                                               input logic [7:0] b31);
    beat1_classes = {etype == esp_pkg::EthertypeIpv4 && b22 == 8'h45 && b31 == esp_pkg::IpProtoEsp,
                     etype == esp_pkg::EthertypeIpv6 && b22[7:4] == 4'd6 &&
                     b28 == esp_pkg::IpProtoEsp,
                     nh == esp_pkg::IpProtoTcp, nh == esp_pkg::IpProtoIpv4,
                     nh == esp_pkg::IpProtoIpv6};
  endfunction

  // ---- stage 1: the registered head ----------------------------------------------------------
  logic            p1_valid_q, p1_whole_q, p1_user_q;
  logic [WinW-1:0] p1_head_q;
  logic [CapW-1:0] p1_cap_q;    // the head's last beat's index
  logic [3:0]      p1_count_lo_q, p1_count_hi_q;  // and its bytes (lanes 0-7, 8-15): the
                                                  // frame's length when whole
  // Classes registered with the head (from the window's beat 1), for stage A's selects:
  // computed on the beat arriving and on the window's copy, then chosen.
  logic            p1_is4_q, p1_is6_q, p1_tcp_q, p1_in4_q, p1_in6_q;
  logic [4:0]      cls_in, cls_win, cls_head;

  assign cls_in   = beat1_classes(in_data_i[8*3 +: 8], {in_data_i[8*4 +: 8], in_data_i[8*5 +: 8]},
                                  in_data_i[8*6 +: 8], in_data_i[8*12 +: 8], in_data_i[8*15 +: 8]);
  assign cls_win  = beat1_classes(win_q[1][8*3 +: 8], {win_q[1][8*4 +: 8], win_q[1][8*5 +: 8]},
                                  win_q[1][8*6 +: 8], win_q[1][8*12 +: 8], win_q[1][8*15 +: 8]);
  assign cls_head = cap_q == CapW'(1) ? cls_in : cap_q > CapW'(1) ? cls_win : 5'b0;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) p1_valid_q <= 1'b0;
    else         p1_valid_q <= head_done;
  end

  always_ff @(posedge clk_i) begin
    if (head_done) begin
      p1_head_q  <= head;
      p1_whole_q <= in_last_i;
      p1_user_q  <= in_user_i && in_last_i;
      p1_cap_q   <= cap_q;
      p1_count_lo_q <= keep_bytes8(in_keep_i[7:0]);
      p1_count_hi_q <= keep_bytes8(in_keep_i[15:8]);
      {p1_is4_q, p1_is6_q, p1_tcp_q, p1_in4_q, p1_in6_q} <= cls_head;
    end
  end

  // ---- parse: four register stages ---------------------------------------------------------
  // Each stage takes at most about five LUT levels (docs/architecture.md, the TX stage map):
  //   A (p1 -> p2): fields and classes out of the head, the lookup key, the LSO sequence
  //                 number picked from its possible places, the checksum's fixed words summed
  //                 in two groups, the product meta.seq x mss_inv;
  //   B (p2 -> p3): lengths, pad and trailer positions, the datagram and TCP header checks,
  //                 seq x mss_inv, the checksum's fixed words as one sum;
  //   C (p3 -> p4): the checksum with the new length, folded; the LSO index; the SN's
  //                 first addend;
  //   D (p4):       the SN, and with the SA (looked up with the head) the decision, queued.
  // LSO: with s = the TCP sequence number's low 16 bits, q = meta.seq, m = mss_inv and
  // b = (s < q), ((s - q) mod 2^16) * m = s*m - q*m + 2^16*b*m, so the segment index
  // round(((s - q) mod 2^16) * m / 2^16) is floor((s*m - q*m + 2^15) / 2^16) + b*m: two
  // 16 x 16 products with registers on both sides (DSP48E2) and no subtraction before them.
  function automatic logic [7:0] byte_at(input logic [WinW-1:0] w, input int i);
    byte_at = w[8*i +: 8];
  endfunction
  function automatic logic [15:0] be16_at(input logic [WinW-1:0] w, input int i);
    be16_at = {w[8*i +: 8], w[8*(i+1) +: 8]};
  endfunction
  // The TCP sequence number's low 16 bits for a TCP header at byte base + 4n: a 16:1 mux.
  function automatic logic [15:0] seq_at(input logic [WinW-1:0] w, input int base,
                                         input logic [3:0] n);
    logic [15:0] c [16];
    for (int k = 0; k < 16; k++) c[k] = be16_at(w, base + 4 * k + 6);
    seq_at = c[n];
  endfunction
  // An inner IPv4 header (IHL >= 5) or IPv6 header carrying TCP, at byte at.
  function automatic logic inner4_ok(input logic [WinW-1:0] w, input int at);
    inner4_ok = w[8*at+4 +: 4] == 4'd4 && w[8*at +: 4] >= 4'd5 &&
                w[8*(at+9) +: 8] == esp_pkg::IpProtoTcp;
  endfunction
  function automatic logic inner6_ok(input logic [WinW-1:0] w, input int at);
    inner6_ok = w[8*at+4 +: 4] == 4'd6 && w[8*(at+6) +: 8] == esp_pkg::IpProtoTcp;
  endfunction

  // ---- the SA lookup, with the head's last beat -------------------------------------------
  // Every head is looked up as it completes, into sa_table's own key register (its first
  // clock): a lookup has no side effects, and stage D uses the result only for a frame it
  // found to encrypt. The key comes from the head as it completes (the window and the
  // arriving beat), its IPv4 or IPv6 fields by the beat-1 classes.
  sadb_pkg::sa_key_t h_key;
  logic [31:0]       h_spi;

  always_comb begin
    h_spi = cls_head[4] ? head[8*42 +: 32] : head[8*62 +: 32];
    h_key.dir_tx = 1'b1;
    h_key.ipv6   = cls_head[3];
    h_key.sip    = cls_head[4] ? {96'b0, head[8*34 +: 8], head[8*35 +: 8], head[8*36 +: 8], head[8*37 +: 8]}
                               : gcm_pkg::bswap(head[8*30 +: 128]);
    h_key.dip    = cls_head[4] ? {96'b0, head[8*38 +: 8], head[8*39 +: 8], head[8*40 +: 8], head[8*41 +: 8]}
                               : gcm_pkg::bswap(head[8*46 +: 128]);
    h_key.spi    = {h_spi[7:0], h_spi[15:8], h_spi[23:16], h_spi[31:24]};
  end

  assign lkp_valid_o = head_done;
  assign lkp_key_o   = h_key;

  // ---- stage A ---------------------------------------------------------------------------------
  logic [WinW-1:0] f;
  assign f = p1_head_q;

  logic            a_has_meta, a_is4, a_is6, a_lso, a_synd_ok, a_drop_early;
  logic            a_tcp, a_in4, a_in6;
  logic [3:0]      a_inner_ok;   // inner IPv4 / IPv6 with TCP, after an outer IPv4 / IPv6
  logic [PosW-1:0] a_len;
  logic [7:0]      a_next_proto;
  logic [3:0]      a_ihl;
  logic [16:0]     a_raw_t;
  logic [3:0]      a_n;
  logic [15:0]     a_seq, a_mss_inv, a_meta_seq;
  logic [31:0]     a_spi;
  logic [63:0]     a_iv;
  logic [17:0]     a_sum_a, a_sum_b;

  always_comb begin
    a_has_meta   = be16_at(f, 12) == esp_pkg::MetaEthertype;
    a_lso        = byte_at(f, 14) == esp_pkg::SyndTxLso;
    a_synd_ok    = byte_at(f, 14) == esp_pkg::SyndTxOffload || a_lso;
    a_mss_inv    = be16_at(f, 15);
    a_meta_seq   = be16_at(f, 17);
    a_next_proto = byte_at(f, 19);
    a_is4 = p1_is4_q;
    a_is6 = p1_is6_q;
    a_raw_t = a_is4 ? {1'b0, be16_at(f, 24)} : 17'd40 + {1'b0, be16_at(f, 26)};
    a_len        = PosW'({p1_cap_q, 4'b0}) + PosW'(p1_count_lo_q) + PosW'(p1_count_hi_q);
    // A runt, shorter than MinFrame (60: 3 beats and 12 bytes): the head's last beat is one
    // of the first three, or the fourth with fewer than 12 bytes.
    a_drop_early = p1_whole_q && (p1_user_q || p1_cap_q < CapW'(esp_pkg::MinFrame / 16) ||
                                  (p1_cap_q == CapW'(esp_pkg::MinFrame / 16) &&
                                   5'(p1_count_lo_q) + 5'(p1_count_hi_q) < 5'(esp_pkg::MinFrame % 16)));

    a_spi = a_is4 ? f[8*42 +: 32] : f[8*62 +: 32];
    a_iv  = a_is4 ? f[8*50 +: 64] : f[8*70 +: 64];
    a_spi = {a_spi[7:0], a_spi[15:8], a_spi[23:16], a_spi[31:24]};
    a_iv  = {a_iv[7:0], a_iv[15:8], a_iv[23:16], a_iv[31:24], a_iv[39:32], a_iv[47:40],
             a_iv[55:48], a_iv[63:56]};


    // LSO: the TCP header follows the ESP header and IV (transport), or an inner IPv4
    // header of IHL words, or an inner IPv6 header (tunnel): at byte (IPv4 ? 58 : 78) + 4n.
    a_tcp    = p1_tcp_q;
    a_in4    = p1_in4_q;
    a_in6    = p1_in6_q;
    a_ihl    = a_is4 ? f[8*58 +: 4] : f[8*78 +: 4];
    // Each outer header's inner checks apart; stage B chooses.
    a_inner_ok = {inner4_ok(f, 58), inner4_ok(f, 78), inner6_ok(f, 58), inner6_ok(f, 78)};
    a_n   = a_in4 ? a_ihl : a_in6 ? 4'd10 : 4'd0;
    // Each outer header picks among its own places (16 each), then the outer header chooses.
    a_seq = a_is4 ? (a_in4 ? seq_at(f, 58, f[8*58 +: 4])
                           : (a_in6 ? be16_at(f, 58 + 40 + 6) : be16_at(f, 58 + 6)))
                  : (a_in4 ? seq_at(f, 78, f[8*78 +: 4])
                           : (a_in6 ? be16_at(f, 78 + 40 + 6) : be16_at(f, 78 + 6)));

    // IPv4 header checksum (RFC 791): the words that do not change, in two groups (input
    // bytes 22.., the output header's 14.. with the metadata's 8 bytes before them).
    a_sum_a = 18'(be16_at(f, 22)) + 18'(be16_at(f, 26)) + 18'(be16_at(f, 28)) + 18'(be16_at(f, 30));
    a_sum_b = 18'(be16_at(f, 34)) + 18'(be16_at(f, 36)) + 18'(be16_at(f, 38)) + 18'(be16_at(f, 40));
  end

  logic            p2_valid_q, p2_has_meta_q, p2_is4_q, p2_is6_q, p2_lso_q, p2_synd_ok_q;
  logic            p2_drop_early_q, p2_whole_q, p2_tcp_q, p2_in4_q, p2_in6_q;
  logic [3:0]      p2_inner_ok_q;
  logic [7:0]      p2_next_proto_q;
  logic [16:0]     p2_raw_t_q;
  logic [3:0]      p2_n_q;
  logic [PosW-1:0] p2_len_q;
  logic [15:0]     p2_seq_q, p2_m_q, p2_q_q;
  logic [31:0]     p2_spi_q, p2_qm_q;
  logic [63:0]     p2_iv_q;
  logic [17:0]     p2_sum_a_q, p2_sum_b_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) p2_valid_q <= 1'b0;
    else         p2_valid_q <= p1_valid_q;
  end


  always_ff @(posedge clk_i) begin
    p2_has_meta_q   <= a_has_meta;
    p2_is4_q        <= a_is4;
    p2_is6_q        <= a_is6;
    p2_lso_q        <= a_lso;
    p2_synd_ok_q    <= a_synd_ok;
    p2_drop_early_q <= a_drop_early;
    p2_tcp_q        <= a_tcp;
    p2_in4_q        <= a_in4;
    p2_in6_q        <= a_in6;
    p2_inner_ok_q   <= a_inner_ok;
    p2_whole_q      <= p1_whole_q;
    p2_next_proto_q <= a_next_proto;
    p2_raw_t_q      <= a_raw_t;
    p2_n_q          <= a_n;
    p2_len_q        <= a_len;
    p2_seq_q        <= a_seq;
    p2_m_q          <= a_mss_inv;
    p2_q_q          <= a_meta_seq;
    p2_qm_q         <= a_meta_seq * a_mss_inv;  // a DSP48E2 between p1 and p2
    p2_spi_q        <= a_spi;
    p2_iv_q         <= a_iv;
    p2_sum_a_q      <= a_sum_a;
    p2_sum_b_q      <= a_sum_b;
  end

  // ---- stage B ---------------------------------------------------------------------------------
  logic [PosW-1:0] b_t_len, b_iphl, b_payload, b_c_len, b_grow, b_tcp_at;
  logic [1:0]      b_pad;
  logic            b_dgram_ok, b_tcp_ok, b_lso_pre;
  logic [15:0]     b_ip_len;

  always_comb begin
    b_t_len   = PosW'(p2_raw_t_q);
    b_iphl    = p2_is4_q ? PosW'(20) : PosW'(40);
    b_payload = b_t_len - b_iphl - PosW'(16);
    // Pad to a 4-byte boundary with the 2-byte trailer (RFC 4303 section 2.4).
    b_pad     = 2'd2 - b_payload[1:0];
    b_c_len   = b_payload + PosW'(b_pad) + PosW'(2);
    b_grow    = PosW'(b_pad) + PosW'(2 + esp_pkg::IcvBytes);
    b_ip_len  = p2_is4_q ? {2'b0, b_t_len + b_grow} : {2'b0, b_t_len - PosW'(40) + b_grow};
    // A datagram too short for ESP header and IV, or (when the frame's length is known)
    // not inside the frame, is not offloaded. A datagram longer than the largest frame
    // cannot be inside one.
    b_dgram_ok = (p2_is4_q || p2_is6_q) && p2_raw_t_q <= 17'(MaxFrame - 22) &&
                 b_t_len >= b_iphl + PosW'(16) &&
                 (!p2_whole_q || PosW'(22) + b_t_len <= p2_len_q);
    // LSO: the whole TCP header inside the datagram.
    b_tcp_at = (p2_is4_q ? PosW'(58) : PosW'(78)) + PosW'({p2_n_q, 2'b00});
    b_tcp_ok = b_tcp_at + PosW'(20) <= PosW'(22) + b_t_len;
    b_lso_pre = p2_tcp_q ||
                (p2_in4_q && (p2_is4_q ? p2_inner_ok_q[3] : p2_inner_ok_q[2])) ||
                (p2_in6_q && (p2_is4_q ? p2_inner_ok_q[1] : p2_inner_ok_q[0]));
  end

  logic            p3_valid_q, p3_early_ok_q, p3_dgram_ok_q, p3_lso_ok_q, p3_tcp_ok_q;
  logic            p3_classified_q, p3_bypass_q, p3_is4_q, p3_lso_q, p3_b_q;
  logic [7:0]      p3_next_proto_q;
  logic [1:0]      p3_pad_q;
  logic [39:0]     c_trailer;
  logic [PosW-1:0] p3_text_start_q, p3_c_len_q, p3_dgram_end_q, p3_out_len_q;
  logic [PosW-5:0] p3_last_beat_q;
  logic [15:0]     p3_ip_len_q, p3_m_q;
  logic [18:0]     p3_sum_q;
  logic [31:0]     p3_spi_q, p3_sm_q;
  logic [33:0]     p3_c_q;
  logic [63:0]     p3_iv_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) p3_valid_q <= 1'b0;
    else         p3_valid_q <= p2_valid_q;
  end

  always_ff @(posedge clk_i) begin
    p3_classified_q  <= p2_has_meta_q && !p2_drop_early_q;
    p3_bypass_q      <= !p2_has_meta_q && !p2_drop_early_q;
    p3_early_ok_q    <= p2_has_meta_q && !p2_drop_early_q && p2_synd_ok_q;
    p3_dgram_ok_q    <= b_dgram_ok;
    p3_lso_ok_q      <= !p2_lso_q || b_lso_pre;
    p3_tcp_ok_q      <= !p2_lso_q || b_tcp_ok;
    p3_is4_q         <= p2_is4_q;
    p3_lso_q         <= p2_lso_q;
    p3_next_proto_q  <= p2_next_proto_q;
    p3_pad_q         <= b_pad;
    p3_text_start_q  <= PosW'(14 + 16) + b_iphl;
    p3_c_len_q       <= b_c_len;
    p3_dgram_end_q   <= PosW'(14) + b_t_len;
    p3_out_len_q     <= PosW'(14) + b_t_len + b_grow;
    p3_last_beat_q   <= (PosW-4)'((PosW'(13) + b_t_len + b_grow) >> 4);
    p3_ip_len_q      <= b_ip_len;
    p3_sum_q         <= 19'(p2_sum_a_q) + 19'(p2_sum_b_q);
    p3_spi_q         <= p2_spi_q;
    p3_iv_q          <= p2_iv_q;
    p3_m_q           <= p2_m_q;
    p3_b_q           <= p2_seq_q < p2_q_q;
    p3_sm_q          <= p2_seq_q * p2_m_q;                 // a DSP48E2 between p2 and p3
    p3_c_q           <= 34'(1 << 15) - 34'(p2_qm_q);       // 2^15 - q*m
  end

  // ---- stage C ---------------------------------------------------------------------------------
  logic [19:0] c_sum;
  logic [16:0] c_fold0;
  logic [15:0] c_fold1, c_csum;
  logic [17:0] c_x_hi;  // floor((s*m - q*m + 2^15) / 2^16), signed

  always_comb begin
    // One's complement sum (RFC 1071): the length word added, the carries folded back in.
    c_sum   = 20'(p3_sum_q) + 20'(p3_ip_len_q);
    c_fold0 = 17'(c_sum[15:0]) + 17'(c_sum[19:16]);
    c_fold1 = c_sum[15:0] + 16'(c_sum[19:16]) + 16'd1;
    c_csum  = ~(c_fold0[16] ? c_fold1[15:0] : c_fold0[15:0]);
    c_x_hi  = 18'((34'(p3_sm_q) + p3_c_q) >> 16);          // arithmetic: bit 33 is the sign
    // Trailer bytes t = 0..4 (RFC 4303 section 2.4): pad bytes 1, 2, .., pad length, next
    // header, then 0 (the ICV's first bytes, written by esp_gcm).
    for (int t = 0; t < 5; t++) begin
      if (3'(t) < {1'b0, p3_pad_q})              c_trailer[8*t +: 8] = 8'(t + 1);
      else if (3'(t) == {1'b0, p3_pad_q})        c_trailer[8*t +: 8] = {6'b0, p3_pad_q};
      else if (3'(t) == {1'b0, p3_pad_q} + 3'd1) c_trailer[8*t +: 8] = p3_next_proto_q;
      else                                       c_trailer[8*t +: 8] = 8'h00;
    end
  end

  logic            p4_valid_q, p4_offload_pre_q, p4_classified_q, p4_bypass_q, p4_is4_q;
  logic [39:0]     p4_trailer_q;
  logic [PosW-1:0] p4_text_start_q, p4_c_len_q, p4_dgram_end_q, p4_out_len_q;
  logic [PosW-5:0] p4_last_beat_q;
  logic [15:0]     p4_ip_len_q, p4_csum_q;
  logic [31:0]     p4_spi_q;
  logic [63:0]     p4_y_q, p4_idx_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) p4_valid_q <= 1'b0;
    else         p4_valid_q <= p3_valid_q;
  end

  always_ff @(posedge clk_i) begin
    p4_offload_pre_q <= p3_early_ok_q && p3_dgram_ok_q && p3_lso_ok_q && p3_tcp_ok_q;
    p4_classified_q  <= p3_classified_q;
    p4_bypass_q      <= p3_bypass_q;
    p4_is4_q         <= p3_is4_q;
    p4_trailer_q     <= c_trailer;
    p4_text_start_q  <= p3_text_start_q;
    p4_c_len_q       <= p3_c_len_q;
    p4_dgram_end_q   <= p3_dgram_end_q;
    p4_out_len_q     <= p3_out_len_q;
    p4_last_beat_q   <= p3_last_beat_q;
    p4_ip_len_q      <= p3_ip_len_q;
    p4_csum_q        <= p3_is4_q ? c_csum : 16'h0;
    p4_spi_q         <= p3_spi_q;
    // SN = IV + index, as IV + b*m plus floor((s*m - q*m + 2^15) / 2^16).
    p4_y_q           <= p3_iv_q + ((p3_lso_q && p3_b_q) ? 64'(p3_m_q) : 64'd0);
    p4_idx_q         <= p3_lso_q ? {{46{c_x_hi[17]}}, c_x_hi} : 64'd0;
  end

  // ---- stage D: the SN; the SA, LookupLatency clocks after its request ---------------------
  // Clocks the SA takes beyond the stages A, B and C (the request leaves with the head, a
  // clock before stage A; a LookupLatency below 5 is an elaboration error).
  localparam int Wait = Lat - 4;

  esp_pkg::tx_decision_t pre_d;
  logic [31:0] pre_spi_d;
  logic [63:0] pre_sn_d;

  always_comb begin
    pre_sn_d  = p4_y_q + p4_idx_q;
    pre_spi_d = p4_spi_q;
    pre_d = '0;
    pre_d.classified = p4_classified_q;
    if (p4_bypass_q)            pre_d.kind = esp_pkg::TxBypass;
    else if (!p4_offload_pre_q) pre_d.kind = esp_pkg::TxDrop;
    else                        pre_d.kind = esp_pkg::TxEncrypt;
    pre_d.text_start = p4_text_start_q;
    pre_d.text_len   = p4_c_len_q;
    pre_d.dgram_end  = p4_dgram_end_q;
    pre_d.out_len    = p4_out_len_q;
    pre_d.last_beat  = p4_last_beat_q;
    for (int i = 0; i < 16; i++) pre_d.dgram_lanes[i] = 4'(i) < p4_dgram_end_q[3:0];
    // The trailer's five bytes from lane dgram_end mod 16 on, across into the next beat.
    {pre_d.trailer_next, pre_d.trailer_at} = '0;
    for (int j = 0; j < 20; j++) begin
      for (int t = 0; t < 5; t++) begin
        if (j - t >= 0 && j - t < 16 && p4_dgram_end_q[3:0] == 4'(j - t)) begin
          if (j < 16) pre_d.trailer_at[8*j +: 8]          |= p4_trailer_q[8*t +: 8];
          else        pre_d.trailer_next[8*(j-16) +: 8]   |= p4_trailer_q[8*t +: 8];
        end
      end
    end
    pre_d.ipv4       = p4_is4_q;
    pre_d.ip_len     = p4_ip_len_q;
    pre_d.ip_csum    = p4_csum_q;
    pre_d.nonce      = {32'b0, pre_sn_d};
  end

  // Wait for the SA when the lookup takes longer than the head's clock and stages A to C.
  localparam int PreW = $bits(pre_d) + 32 + 64 + 1;
  logic [PreW-1:0] w_d;           // stage D itself
  logic [PreW-1:0] w_q [1:Wait];  // and the clocks it waits

  if (Wait < 1) begin : gen_wait_check
    $error("esp_tx_parse: sadb_pkg::LookupLatency must be at least 5");
  end

  assign w_d = {pre_d, pre_spi_d, pre_sn_d, p4_valid_q};
  for (genvar i = 1; i <= Wait; i++) begin : gen_wait
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni) w_q[i] <= '0;
      else         w_q[i] <= (i == 1) ? w_d : w_q[i == 1 ? 1 : i - 1];
    end
  end

  // ---- with the SA: the decision ---------------------------------------------------------------
  esp_pkg::tx_decision_t dec_d, d_pre;
  logic                  dec_push;
  logic [31:0]           d_spi;
  logic [63:0]           d_sn;

  assign {d_pre, d_spi, d_sn, dec_push} = w_q[Wait];

  always_comb begin
    dec_d = d_pre;
    if (dec_d.kind == esp_pkg::TxEncrypt) begin
      if (!(res_valid_i && res_hit_i)) begin
        dec_d.kind = esp_pkg::TxDrop;  // no TX SA
      end else begin
        dec_d.key    = res_ctx_i.key;
        dec_d.key256 = res_ctx_i.key256;
        dec_d.nonce  = {res_ctx_i.salt, d_sn};
        // AAD: SPI || SN, or SPI || SN_hi || SN_lo with ESN (RFC 4106 section 5).
        dec_d.aad12  = res_ctx_i.esn_en;
        dec_d.aad    = res_ctx_i.esn_en ? {d_spi, d_sn} : {d_spi, d_sn[31:0], 32'b0};
      end
    end
  end

  logic       fifo_empty;
  logic [4:0] fifo_count;

  // The decisions carry keys: scrubbed (sync_fifo), so that none outlives its frame
  // (docs/architecture.md, "Key hygiene").
  sync_fifo #(.Width($bits(dec_d)), .Depth(16), .Scrub(1'b1)) u_decq (
    .clk_i, .rst_ni,
    .push_i (dec_push), .data_i (dec_d),
    .pop_i  (dec_pop_i), .data_o (dec_o),
    .empty_o (fifo_empty), .full_o (), .almost_full_o (), .count_o (fifo_count)
  );

  assign dec_valid_o = !fifo_empty;

  // Frames between the FIFO input and the decision queue: the head being completed, and
  // at most one in each of p1 .. p4 and the Wait stages.
  assign dec_room_o = fifo_count <= 5'(16 - (Lat + 4));

endmodule
