// TX parser (host to wire): looks at the head of each frame as it enters the frame FIFO,
// classifies it (contract sections 5 and 6), looks up its TX SA and decides what leaves.
//
// The head is the first WinBeats beats (or the whole frame if shorter). The SA lookup
// leaves with the beat that completes its key (beat 2 or 4); the decision for a frame is
// in the queue 5 clocks after its head's last beat, or LookupLatency + 2 after its
// lookup's beat if that is later.
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
  // Packet offload: a beat of a frame the encapsulator made (from its beat 1 on), and its
  // SA's index: such a frame's lookup is by that index, not by its key.
  input  logic                     in_pkt_i,
  input  logic [15:0]              in_index_i,

  // TX SA lookup, result LookupLatency clocks after the request.
  output logic                     lkp_valid_o,
  output sadb_pkg::sa_key_t        lkp_key_o,
  output logic                     lkp_by_index_o,
  output logic [15:0]              lkp_index_o,
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
  logic [4:0]      p1_count_q;  // and its bytes: the frame's length when whole
  // Classes registered with the head (from the frame's beat 1), for stage A's selects:
  // computed on beat 1 as it arrives, registered (cls_q) for the beats after it.
  logic            p1_is4_q, p1_is6_q, p1_tcp_q, p1_in4_q, p1_in6_q;
  logic [4:0]      cls_in, cls_q, cls_head;

  assign cls_in   = beat1_classes(in_data_i[8*3 +: 8], {in_data_i[8*4 +: 8], in_data_i[8*5 +: 8]},
                                  in_data_i[8*6 +: 8], in_data_i[8*12 +: 8], in_data_i[8*15 +: 8]);
  assign cls_head = cap_q == CapW'(1) ? cls_in : cap_q > CapW'(1) ? cls_q : 5'b0;

  always_ff @(posedge clk_i) begin
    if (in_fire_i && cap_q == CapW'(1)) cls_q <= cls_in;
  end

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
      p1_count_q <= esp_pkg::keep_count(in_keep_i);
      {p1_is4_q, p1_is6_q, p1_tcp_q, p1_in4_q, p1_in6_q} <= cls_head;
    end
  end

  // ---- parse: three register stages and the wait for the SA -------------------------------
  // Each stage takes at most about five LUT levels (docs/architecture.md, the TX stage map):
  //   A (p1 -> p2): fields and classes out of the head, the LSO sequence
  //                 number picked from its possible places, the checksum's fixed words summed
  //                 in two groups, the product meta.seq x mss_inv;
  //   B (p2 -> p3): lengths, pad and trailer positions, the datagram and TCP header checks,
  //                 seq x mss_inv, the checksum's fixed words as one sum, IV + b*m;
  //   C (p3 -> D):  the checksum with the new length, folded; the SN (IV plus the LSO
  //                 index); the trailer placed; the kind: the decision but the SA's part;
  //   D (w_q):      with the SA (looked up with the key's beat) the decision, queued.
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

  // ---- the SA lookup, as soon as the key is in ------------------------------------------
  // Every frame is looked up once, into sa_table's own key register (its first clock), with
  // the beat that completes its key: beat 4 under an outer IPv6 header with ESP (addresses
  // at bytes 30..61, SPI at 62..65), beat 2 otherwise (IPv4: addresses and SPI at 34..45;
  // any other frame's key is not used); a frame that ends before that beat is looked up
  // with its last beat. A lookup has no side effects, and stage D uses the result only for
  // a frame it found to encrypt (a frame that ends before its key's beat is a runt, or too
  // short for the IPv6 datagram it announces: dropped). The beat-1 classes are a register
  // by then (cls_q), so each key bit is the arriving beat's or the window's, by that
  // register alone.
  localparam int KeyBeat4 = 2;
  localparam int KeyBeat6 = 4;
  sadb_pkg::sa_key_t h_key;
  logic [8*36-1:0]   k6;      // frame bytes 30..65 at beat 4: beats 1..3 from the window
  logic [8*12-1:0]   k4;      // frame bytes 34..45 at beat 2: the beat arriving
  logic [31:0]       h_spi;
  logic [CapW-1:0]   key_beat;

  always_comb begin
    k6 = {in_data_i[15:0], win_q[3], win_q[2], win_q[1][127:112]};
    k4 = in_data_i[8*2 +: 96];
    h_spi = cls_q[4] ? k4[8*8 +: 32] : k6[8*32 +: 32];
    h_key.dir_tx = 1'b1;
    h_key.ipv6   = cls_q[3];
    h_key.sip    = cls_q[4] ? {96'b0, k4[8*0 +: 8], k4[8*1 +: 8], k4[8*2 +: 8], k4[8*3 +: 8]}
                            : gcm_pkg::bswap(k6[8*0 +: 128]);
    h_key.dip    = cls_q[4] ? {96'b0, k4[8*4 +: 8], k4[8*5 +: 8], k4[8*6 +: 8], k4[8*7 +: 8]}
                            : gcm_pkg::bswap(k6[8*16 +: 128]);
    h_key.spi    = {h_spi[7:0], h_spi[15:8], h_spi[23:16], h_spi[31:24]};
    // cls_q is the previous frame's on beats 0 and 1: either key beat is later, so a frame
    // ending there is looked up with its last beat whatever it says.
    key_beat = cls_q[3] ? CapW'(KeyBeat6) : CapW'(KeyBeat4);
  end

  assign lkp_valid_o = in_fire_i && (cap_q == key_beat || (in_last_i && cap_q < key_beat));
  assign lkp_key_o   = h_key;
  // The key beat is beat 2 or 4; an encapsulated frame is 5 beats or more.
  assign lkp_by_index_o = in_pkt_i;
  assign lkp_index_o    = in_index_i;

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
    a_len        = PosW'({p1_cap_q, 4'b0}) + PosW'(p1_count_q);
    // A runt, shorter than MinFrame (60: 3 beats and 12 bytes): the head's last beat is one
    // of the first three, or the fourth with fewer than 12 bytes.
    a_drop_early = p1_whole_q && (p1_user_q || p1_cap_q < CapW'(esp_pkg::MinFrame / 16) ||
                                  (p1_cap_q == CapW'(esp_pkg::MinFrame / 16) &&
                                   p1_count_q < 5'(esp_pkg::MinFrame % 16)));

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
  logic            p3_classified_q, p3_bypass_q, p3_is4_q, p3_lso_q;
  logic [7:0]      p3_next_proto_q;
  logic [1:0]      p3_pad_q;
  logic [PosW-1:0] p3_text_start_q, p3_c_len_q, p3_dgram_end_q, p3_out_len_q;
  logic [PosW-5:0] p3_last_beat_q;
  logic [15:0]     p3_ip_len_q;
  logic [18:0]     p3_sum_q;
  logic [31:0]     p3_spi_q, p3_sm_q;
  logic [33:0]     p3_c_q;
  logic [63:0]     p3_y_q;

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
    // The SN's first addend: IV + b*m.
    p3_y_q           <= p2_iv_q + ((p2_lso_q && p2_seq_q < p2_q_q) ? 64'(p2_m_q) : 64'd0);
    p3_sm_q          <= p2_seq_q * p2_m_q;                 // a DSP48E2 between p2 and p3
    p3_c_q           <= 34'(1 << 15) - 34'(p2_qm_q);       // 2^15 - q*m
  end

  // ---- stage C: the pre-decision -------------------------------------------------------------
  // Everything of the decision but the SA's part, into stage D's register.
  logic [19:0] c_sum;
  logic [16:0] c_fold0;
  logic [15:0] c_fold1, c_csum;
  logic [39:0] c_trailer;
  logic [79:0] c_sn_a, c_sn_b, c_sn_c, c_sn_s, c_sn_k;
  logic [15:0] unused_sn_frac;  // below the SN: the sum's fraction

  esp_pkg::tx_decision_t pre_d;
  logic [31:0] pre_spi_d;
  logic [63:0] pre_sn_d;

  always_comb begin
    // One's complement sum (RFC 1071): the length word added, the carries folded back in.
    c_sum   = 20'(p3_sum_q) + 20'(p3_ip_len_q);
    c_fold0 = 17'(c_sum[15:0]) + 17'(c_sum[19:16]);
    c_fold1 = c_sum[15:0] + 16'(c_sum[19:16]) + 16'd1;
    c_csum  = ~(c_fold0[16] ? c_fold1[15:0] : c_fold0[15:0]);
    // SN = IV + b*m + floor((s*m - q*m + 2^15) / 2^16) = (2^16 * y + s*m + c) / 2^16 with
    // y = IV + b*m and c = 2^15 - q*m: three addends, one carry-save layer and one adder
    // (the sum s*m + c fits 34 bits signed, so extended to 80 bits it is exact).
    c_sn_a = {p3_y_q, 16'b0};
    c_sn_b = p3_lso_q ? 80'(p3_sm_q) : 80'd0;
    c_sn_c = p3_lso_q ? {{46{p3_c_q[33]}}, p3_c_q} : 80'd0;
    c_sn_s = c_sn_a ^ c_sn_b ^ c_sn_c;
    c_sn_k = {(c_sn_a[78:0] & c_sn_b[78:0]) | (c_sn_a[78:0] & c_sn_c[78:0]) |
              (c_sn_b[78:0] & c_sn_c[78:0]), 1'b0};
    {pre_sn_d, unused_sn_frac} = c_sn_s + c_sn_k;
    // Trailer bytes t = 0..4 (RFC 4303 section 2.4): pad bytes 1, 2, .., pad length, next
    // header, then 0 (the ICV's first bytes, written by esp_gcm).
    for (int t = 0; t < 5; t++) begin
      if (3'(t) < {1'b0, p3_pad_q})              c_trailer[8*t +: 8] = 8'(t + 1);
      else if (3'(t) == {1'b0, p3_pad_q})        c_trailer[8*t +: 8] = {6'b0, p3_pad_q};
      else if (3'(t) == {1'b0, p3_pad_q} + 3'd1) c_trailer[8*t +: 8] = p3_next_proto_q;
      else                                       c_trailer[8*t +: 8] = 8'h00;
    end

    pre_spi_d = p3_spi_q;
    pre_d = '0;
    pre_d.classified = p3_classified_q;
    if (p3_bypass_q) pre_d.kind = esp_pkg::TxBypass;
    else if (!(p3_early_ok_q && p3_dgram_ok_q && p3_lso_ok_q && p3_tcp_ok_q))
                     pre_d.kind = esp_pkg::TxDrop;
    else             pre_d.kind = esp_pkg::TxEncrypt;
    pre_d.text_start = p3_text_start_q;
    pre_d.text_len   = p3_c_len_q;
    pre_d.dgram_end  = p3_dgram_end_q;
    pre_d.out_len    = p3_out_len_q;
    pre_d.last_beat  = p3_last_beat_q;
    for (int i = 0; i < 16; i++) pre_d.dgram_lanes[i] = 4'(i) < p3_dgram_end_q[3:0];
    // The trailer's five bytes from lane dgram_end mod 16 on, across into the next beat.
    {pre_d.trailer_next, pre_d.trailer_at} = '0;
    for (int j = 0; j < 20; j++) begin
      for (int t = 0; t < 5; t++) begin
        if (j - t >= 0 && j - t < 16 && p3_dgram_end_q[3:0] == 4'(j - t)) begin
          if (j < 16) pre_d.trailer_at[8*j +: 8]          |= c_trailer[8*t +: 8];
          else        pre_d.trailer_next[8*(j-16) +: 8]   |= c_trailer[8*t +: 8];
        end
      end
    end
    pre_d.ipv4       = p3_is4_q;
    pre_d.ip_len     = p3_ip_len_q;
    pre_d.ip_csum    = p3_is4_q ? c_csum : 16'h0;
    pre_d.nonce      = {32'b0, pre_sn_d};
  end

  // ---- stage D: the SA, LookupLatency clocks after its request ----------------------------
  // Stage D's register (w_q[1]) and Wait - 1 clocks after it, where a frame waits for its
  // SA: the lookup left with the key's beat, at the latest with the head's last beat, a
  // clock before stage A.
  localparam int Wait = Lat - 2;

  // The SA result, held from its arrival to its frame's decision (key hygiene: zeroed once
  // used, and by reset). One register is enough: the next frame's lookup leaves after this
  // frame's head is complete, so its result arrives no earlier than this frame's decision.
  // Only what TX uses of the context: the key, its size, the salt, ESN on.
  typedef struct packed {
    logic [255:0] key;
    logic         key256;
    logic [31:0]  salt;
    logic         esn_en;
  } tx_sa_t;

  logic   sa_valid_q, sa_hit_q;
  tx_sa_t sa_q;
  logic   dec_push;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      sa_valid_q <= 1'b0;
      sa_hit_q   <= 1'b0;
      sa_q       <= '0;
    end else if (res_valid_i) begin
      sa_valid_q    <= 1'b1;
      sa_hit_q      <= res_hit_i;
      sa_q.key      <= res_ctx_i.key;
      sa_q.key256   <= res_ctx_i.key256;
      sa_q.salt     <= res_ctx_i.salt;
      sa_q.esn_en   <= res_ctx_i.esn_en;
    end else if (dec_push) begin
      sa_valid_q <= 1'b0;
      sa_hit_q   <= 1'b0;
      sa_q       <= '0;
    end
  end

  // Stage D's register and the clocks a frame may wait there for its SA: a frame leaves
  // from w_q[1] (or later, LookupLatency + 1 clocks after its key's beat: a long head's
  // lookup is done by then) and at the latest from w_q[Wait] (looked up with its last
  // beat). Frames leave in order, one a clock at most, the oldest waiting first: the SA
  // held is its.
  localparam int PreW = $bits(pre_d) + 32 + 64;
  logic [PreW-1:0] w_d;           // stage D itself
  logic [PreW-1:0] w_q [1:Wait];  // its register and the clocks it waits
  logic [PreW-1:0] w_old;         // the oldest frame waiting
  logic [Wait:1]   w_valid_q;
  logic [Wait-1:1] w_leave;       // the frame in stage i leaves (the last stage's always does)
  logic            w_later;       // a frame waits in a later stage

  if (Wait < 2) begin : gen_wait_check
    $error("esp_tx_parse: sadb_pkg::LookupLatency must be at least 4");
  end

  assign w_d = {pre_d, pre_spi_d, pre_sn_d};

  // The push, sa_valid_q && w_valid_q != '0, as a register of its own: computed a clock
  // ahead from the terms those registers take, so that the queue's count and write see it
  // at level 0.
  logic dec_push_q, w_any_next;  // w_any_next: a frame in a wait stage next clock

  always_comb begin
    w_any_next = p3_valid_q;
    for (int i = 1; i < Wait; i++) w_any_next = w_any_next || (w_valid_q[i] && !w_leave[i]);
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) dec_push_q <= 1'b0;
    else         dec_push_q <= (res_valid_i || (sa_valid_q && !dec_push)) && w_any_next;
  end

  assign dec_push = dec_push_q;

  always_comb begin
    w_old = w_q[1];
    for (int i = 2; i <= Wait; i++) begin
      if (w_valid_q[i]) w_old = w_q[i];
    end
    w_later = w_valid_q[Wait];
    for (int i = Wait - 1; i >= 1; i--) begin
      w_leave[i] = dec_push && w_valid_q[i] && !w_later;
      w_later    = w_later || w_valid_q[i];
    end
  end

  for (genvar i = 1; i <= Wait; i++) begin : gen_wait
    always_ff @(posedge clk_i or negedge rst_ni) begin
      if (!rst_ni)     w_valid_q[i] <= 1'b0;
      else if (i == 1) w_valid_q[i] <= p3_valid_q;
      else             w_valid_q[i] <= w_valid_q[i == 1 ? 1 : i - 1] && !w_leave[i == 1 ? 1 : i - 1];
    end
    always_ff @(posedge clk_i) begin
      w_q[i] <= (i == 1) ? w_d : w_q[i == 1 ? 1 : i - 1];
    end
  end

`ifdef IPSEC_ASSERTIONS
  // A frame's SA is there by the time it reaches the last wait stage.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (!w_valid_q[Wait] || sa_valid_q) else $error("%m: a decision without its SA");
      assert (dec_push_q == (sa_valid_q && w_valid_q != '0)) else $error("%m: push register");
    end
  end
`endif

  // ---- with the SA: the decision ---------------------------------------------------------------
  esp_pkg::tx_decision_t dec_d, d_pre;
  logic [31:0]           d_spi;
  logic [63:0]           d_sn;

  assign {d_pre, d_spi, d_sn} = w_old;

  // The kind's bit 1 alone says encrypted (esp_pkg::tx_kind_e), one input less in the
  // path into the queue.
  always_comb begin
    dec_d = d_pre;
    if (d_pre.kind[1]) begin
      if (!sa_hit_q) begin
        dec_d.kind = esp_pkg::TxDrop;  // no TX SA
      end else begin
        dec_d.key    = sa_q.key;
        dec_d.key256 = sa_q.key256;
        dec_d.nonce  = {sa_q.salt, d_sn};
        // AAD: SPI || SN, or SPI || SN_hi || SN_lo with ESN (RFC 4106 section 5).
        dec_d.aad12  = sa_q.esn_en;
        dec_d.aad    = sa_q.esn_en ? {d_spi, d_sn} : {d_spi, d_sn[31:0], 32'b0};
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
  // at most one in each of p1 .. p3 and the Wait stages (Lat + 2), and two of margin.
  assign dec_room_o = fifo_count <= 5'(16 - (Lat + 4));

endmodule
