// RX read side: takes the stored frames in arrival order, each once it is complete (and,
// if it was decrypted, once esp_gcm's verdict is in), decides its fate, counts it, and
// streams it to the host (contract sections 4, 5, 7):
//  - bypass: the frame as it arrived;
//  - decrypted (0x11), or with fwd_bad_frames an ICV failure (0x12) or a bad trailer
//    (0x17): MACs, metadata {0x8CE4, syndrome, next header, sw_sa_handle}, the original
//    EtherType, then the datagram with the plaintext in place; in no-trailer mode without
//    trailer and ICV and with the IP length (and IPv4 header checksum) rewritten;
//  - truncated, with fwd_bad_frames: metadata 0x17, then the frame as it arrived;
//  - dropped: nothing, and no output clock spent.
//
// Pipeline (docs/architecture.md, the RX stage map):
//  - next: the descriptor at the head of the queue is taken into registers, with what it
//    alone decides worked out on the way (the fate decoded, the free pointer, the length
//    of every plan but no-trailer's), while the frame before it streams out;
//  - take: when the read side is idle, the next frame is taken (started, or dropped) once
//    it is ready: its verdict in, if it has one, and room in the output queue (a frame to
//    drop waits for that room too, so that taking never reads the verdict). The verdict
//    decides the fate (forward or drop) and what the frame's registers take from it:
//    no-trailer's lengths subtract the pad length on the way in;
//  - issue: one token per output beat (reading at most one buffer beat), its shape from
//    registers: whether it is the frame's last is registered a token ahead;
//  - format: the buffer's registered read and the token meet, the 8 metadata bytes are
//    inserted with a fixed half-beat shift (output beat j >= 1 is the upper half of stored
//    beat j - 1 and the lower half of stored beat j); the output queue is passed through
//    while empty.
// Tokens are issued only with room in the output queue, so the pipeline never stalls and no
// valid/ready path runs through it. A frame's first token goes out the clock it is taken:
// the verdict's clock to the first output beat is 2 clocks, as the RX latency needs.
//
// Whether a token is its frame's last is registered a token ahead, from the frame's
// registers, which are loaded with its first token: so its second token is never taken for
// its last. None is: every frame that leaves is 4 beats long at least (58 bytes or more: a
// bypass frame is no runt, and a decrypted one keeps its headers, the metadata, its ESP
// header and IV even without its trailer), which the checking build asserts.
module esp_rx_read (
  input  logic                               clk_i,
  input  logic                               rst_ni,

  input  logic                               no_trailer_i,
  input  logic                               fwd_bad_frames_i,

  input  logic                               desc_valid_i,
  input  esp_rx_pkg::rx_desc_t               desc_i,
  output logic                               desc_pop_o,
  input  logic                               done_valid_i,
  input  esp_pkg::gcm_status_t               done_i,
  output logic                               done_pop_o,

  // Frame buffer read side; buffer space before free_ptr_o may be reused.
  output logic [esp_rx_pkg::BufPtrW-1:0]     free_ptr_o,
  output logic                               orig_re_o,
  output logic                               gcm_re_o,
  output logic [esp_rx_pkg::BufAddrW-1:0]    raddr_o,
  input  logic [127:0]                       orig_rdata_i,
  input  logic [127:0]                       gcm_rdata_i,

  output logic                               m_axis_tvalid_o,
  input  logic                               m_axis_tready_i,
  output logic [127:0]                       m_axis_tdata_o,
  output logic [15:0]                        m_axis_tkeep_o,
  output logic                               m_axis_tlast_o,

  output logic                               cnt_dec_in_o,
  output logic                               cnt_dec_out_o,
  output logic                               cnt_dec_bypass_o,
  output logic                               cnt_dec_drop_o,
  output logic                               cnt_dec_auth_fail_o
);

  localparam int PtrW   = esp_rx_pkg::BufPtrW;
  localparam int CntW   = esp_rx_pkg::BeatCntW;
  localparam int AddrW  = esp_rx_pkg::BufAddrW;
  localparam int ODepth = 8;  // output queue

  // Ones' complement sum of two 16-bit values (RFC 1071).
  function automatic logic [15:0] add1c(input logic [15:0] a, input logic [15:0] b);
    logic [16:0] s;
    s = {1'b0, a} + {1'b0, b};
    add1c = s[15:0] + {15'b0, s[16]};
  endfunction

  // The plan of a frame's output, from the frame's length in bytes as it leaves (metadata
  // included), out_len: its last token has index (out_len - 1) / 16, and the last beat holds
  // bytes 0 .. (out_len - 1) mod 16. Both are read off one number, plan = out_len - 17:
  // plan[14:4] is the last token's index minus one (what the flag a token ahead compares
  // with), plan[3:0] the last byte's lane. With the metadata, the stored bytes end 8 bytes
  // earlier, so a last beat with 8 bytes or fewer (plan[3] clear) holds stored bytes only in
  // its lower half, that is bytes of the buffer beat before it: it reads no buffer beat.
  //   decrypted, as stored:  out_len = 14 + T + 8                 plan = T + 5
  //   decrypted, no trailer: out_len = 14 + T - pad - 18 + 8      plan = T - 13 - pad
  //   truncated:             out_len = L + 8                      plan = L - 9
  //   bypass:                out_len = L                          plan = L - 17

  // ---- next: the descriptor at the head of the queue, decoded -----------------------------
  logic             n_valid_q, n_gcm_q, n_trunc_q, n_bypass_q, n_in_gcm_q, n_ipv6_q;
  logic [PtrW-1:0]  n_free_q;
  logic [AddrW-1:0] n_base_q;
  logic [14:0]      n_plan_q;       // plan, but for no trailer
  logic [14:0]      n_plan_nt_q;    // no trailer: plan + pad
  logic [15:0]      n_ip_len_q;     // no trailer: the new length field + pad
  logic [15:0]      n_csum_part_q;
  logic [31:0]      n_handle_q;
  logic             take, desc_load;
  logic [14:0]      d_plan;

  always_comb begin
    unique case (desc_i.fate)
      esp_rx_pkg::RxGcm:    d_plan = 15'(desc_i.dgram_len) + 15'd5;
      esp_rx_pkg::RxTrunc:  d_plan = 15'(desc_i.frame_len) - 15'd9;
      default:              d_plan = 15'(desc_i.frame_len) - 15'd17;
    endcase
  end

  // The next descriptor is taken in as the frame before is taken, or into an empty stage.
  assign desc_load  = desc_valid_i && (!n_valid_q || take);
  assign desc_pop_o = desc_load;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) n_valid_q <= 1'b0;
    else         n_valid_q <= desc_valid_i || (n_valid_q && !take);
  end

  always_ff @(posedge clk_i) begin
    if (desc_load) begin
      n_gcm_q       <= desc_i.fate == esp_rx_pkg::RxGcm;
      n_trunc_q     <= desc_i.fate == esp_rx_pkg::RxTrunc;
      n_bypass_q    <= desc_i.fate == esp_rx_pkg::RxBypass;
      n_in_gcm_q    <= desc_i.in_gcm;
      n_ipv6_q      <= desc_i.ipv6;
      n_free_q      <= desc_i.base + PtrW'(desc_i.nbeats);
      n_base_q      <= desc_i.base[AddrW-1:0];
      n_plan_q      <= d_plan;
      n_plan_nt_q   <= 15'(desc_i.dgram_len) - 15'd13;
      // RFC 791 total length, or RFC 8200 payload length: 14 + T - pad - 18 - 14 (- 40).
      n_ip_len_q    <= 16'(desc_i.dgram_len) - 16'd18 -
                       (desc_i.ipv6 ? 16'(esp_rx_pkg::Ipv6HdrBytes) : 16'd0);
      n_csum_part_q <= desc_i.csum_part;
      n_handle_q    <= desc_i.handle;
    end
  end

  // ---- take: fate and counters --------------------------------------------------------------
  logic busy_q, last_q, s1_valid_q, drop_q, credit, fwd, good, strip, start, drop_now, issue;
  logic adv;
  logic [$clog2(ODepth):0] ocount;

  // Room in the output queue for every token in flight; a frame waits for it whether it
  // leaves or is dropped, so that taking it does not read the verdict.
  assign credit   = s1_valid_q ? ocount < ($clog2(ODepth)+1)'(ODepth - 1)
                               : ocount < ($clog2(ODepth)+1)'(ODepth);
  assign take     = !busy_q && n_valid_q && (!n_in_gcm_q || done_valid_i) && credit;
  assign good     = done_i.tag_ok && done_i.trailer_ok;
  assign strip    = good && no_trailer_i;
  assign fwd      = n_bypass_q || ((n_trunc_q || n_gcm_q) && fwd_bad_frames_i) || (n_gcm_q && good);
  assign start    = take && fwd;
  assign drop_now = take && !fwd;
  assign issue    = start || (busy_q && credit);
  // What a token sets going but its valid bit (the buffer read, the token's registers, the
  // frame's registers) advances on a frame taken whether it leaves or not: only `issue`,
  // `busy_q`, the free pointer and the counters wait for the verdict's forward or drop.
  assign adv      = take || (busy_q && credit);

  assign done_pop_o = take && n_in_gcm_q;

  logic cnt_in_q, cnt_out_q, cnt_bypass_q, cnt_drop_q, cnt_auth_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cnt_in_q     <= 1'b0;
      cnt_out_q    <= 1'b0;
      cnt_bypass_q <= 1'b0;
      cnt_drop_q   <= 1'b0;
      cnt_auth_q   <= 1'b0;
    end else begin
      cnt_in_q     <= take && (n_gcm_q || n_trunc_q);
      cnt_out_q    <= take && n_gcm_q && good;
      cnt_bypass_q <= take && n_bypass_q;
      cnt_drop_q   <= take && (!(n_gcm_q || n_trunc_q || n_bypass_q) || n_trunc_q ||
                               (n_gcm_q && done_i.tag_ok && !done_i.trailer_ok));
      cnt_auth_q   <= take && n_gcm_q && !done_i.tag_ok;
    end
  end
  assign cnt_dec_in_o        = cnt_in_q;
  assign cnt_dec_out_o       = cnt_out_q;
  assign cnt_dec_bypass_o    = cnt_bypass_q;
  assign cnt_dec_drop_o      = cnt_drop_q;
  assign cnt_dec_auth_fail_o = cnt_auth_q;

  // ---- The frame being issued -----------------------------------------------------------------
  logic             f_from_gcm_q, f_meta_q, f_len4_q, f_len6_q;
  logic [7:0]       f_synd_q, f_next_hdr_q;
  logic [31:0]      f_handle_q;
  logic [15:0]      f_ip_len_q, f_csum_part_q, f_ip_csum_q;
  logic [14:0]      f_plan_q;
  logic [PtrW-1:0]  f_free_q, free_ptr_q;
  logic [CntW-1:0]  j_q;       // index of the token issued next
  logic [1:0]       idx_q;     // the same, saturating at 3
  logic [AddrW-1:0] addr_q;    // its buffer beat

  always_ff @(posedge clk_i) begin
    if (take) begin
      f_from_gcm_q  <= n_gcm_q;
      f_meta_q      <= !n_bypass_q;
      if (!n_gcm_q)               f_synd_q <= esp_pkg::SyndRxBadProto;
      else if (!done_i.tag_ok)    f_synd_q <= esp_pkg::SyndRxAuthFail;
      else if (done_i.trailer_ok) f_synd_q <= esp_pkg::SyndRxDecrypted;
      else                        f_synd_q <= esp_pkg::SyndRxBadProto;
      f_next_hdr_q  <= n_gcm_q && good ? done_i.next_hdr : 8'd0;
      f_handle_q    <= n_handle_q;
      // No trailer: pad, pad length, next header and ICV go; the IP length field follows.
      f_plan_q      <= n_gcm_q && strip ? n_plan_nt_q - 15'(done_i.pad_len) : n_plan_q;
      f_len4_q      <= n_gcm_q && strip && !n_ipv6_q;
      f_len6_q      <= n_gcm_q && strip && n_ipv6_q;
      f_ip_len_q    <= n_ip_len_q - 16'(done_i.pad_len);
      f_csum_part_q <= n_csum_part_q;
      f_free_q      <= n_free_q;
    end
    // The IPv4 header checksum anew, a clock after the length (its token is the third).
    f_ip_csum_q <= ~add1c(f_csum_part_q, f_ip_len_q);
  end

  // The free pointer moves past a frame with its last token, or the clock after it was
  // dropped: either way to the frame's own register, loaded when it was taken.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q     <= 1'b0;
      last_q     <= 1'b0;
      drop_q     <= 1'b0;
      free_ptr_q <= '0;
    end else begin
      drop_q <= drop_now;
      if (start)                         busy_q <= 1'b1;
      else if (busy_q && credit && last_q) busy_q <= 1'b0;
      // Whether the token issued next is the frame's last: token j + 1 is, if j is the
      // last's index minus one. Token 1 never is (see above).
      if (take)     last_q <= 1'b0;
      else if (adv) last_q <= j_q == f_plan_q[14:4];
      if (drop_q || (busy_q && credit && last_q)) free_ptr_q <= f_free_q;
    end
  end

  always_ff @(posedge clk_i) begin
    if (adv) begin
      j_q    <= busy_q ? j_q + CntW'(1) : CntW'(1);
      idx_q  <= busy_q ? (idx_q == 2'd3 ? 2'd3 : idx_q + 2'd1) : 2'd1;
      addr_q <= busy_q ? addr_q + AddrW'(1) : n_base_q + AddrW'(1);
    end
  end

  // ---- issue: the token ------------------------------------------------------------------------
  typedef struct packed {
    logic         rd;        // a buffer beat is read for this output beat
    logic         from_gcm;  // read the decrypted copy, else the frame as it arrived
    logic         first;
    logic         last;
    logic [15:0]  keep;
    logic         meta;      // metadata inserted after the MACs: the half-beat shift
    logic         len4;      // no trailer: this beat holds the IPv4 total length
    logic         len6;      // ... the IPv6 payload length
    logic         csum4;     // ... the IPv4 header checksum
  } tok_t;
  tok_t tok, s1_q;
  logic [15:0] keep_last;

  always_comb begin
    for (int i = 0; i < 16; i++) keep_last[i] = 4'(i) <= f_plan_q[3:0];
    if (busy_q) begin
      tok.rd       = !(last_q && f_meta_q && !f_plan_q[3]);
      tok.from_gcm = f_from_gcm_q;
      tok.first    = 1'b0;
      tok.last     = last_q;
      tok.keep     = last_q ? keep_last : 16'hffff;
      tok.meta     = f_meta_q;
      tok.len4     = f_len4_q && idx_q == 2'd1;
      tok.len6     = f_len6_q && idx_q == 2'd1;
      tok.csum4    = f_len4_q && idx_q == 2'd2;
    end else begin
      tok.rd       = 1'b1;
      tok.from_gcm = n_gcm_q;
      tok.first    = 1'b1;
      tok.last     = 1'b0;
      tok.keep     = 16'hffff;
      tok.meta     = !n_bypass_q;
      tok.len4     = 1'b0;
      tok.len6     = 1'b0;
      tok.csum4    = 1'b0;
    end
  end

  assign orig_re_o  = adv && tok.rd && !tok.from_gcm;
  assign gcm_re_o   = adv && tok.rd && tok.from_gcm;
  assign raddr_o    = busy_q ? addr_q : n_base_q;
  assign free_ptr_o = free_ptr_q;

`ifdef IPSEC_ASSERTIONS
  // The last-token flag, a token ahead, relies on a frame's second token not being its last.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (!(busy_q && j_q == CntW'(1)) || f_plan_q[14:4] != '0)
        else $error("esp_rx_read: a frame of fewer than three output beats");
    end
  end
`endif

  // ---- format: the buffer read (registered in the RAM) and the token -------------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) s1_valid_q <= 1'b0;
    else         s1_valid_q <= issue;
  end

  always_ff @(posedge clk_i) begin
    if (adv) s1_q <= tok;
  end

  logic [127:0] cur, fmt_data;
  logic [63:0]  hold_q, hold_d;

  always_comb begin
    cur = !s1_q.rd ? '0 : s1_q.from_gcm ? gcm_rdata_i : orig_rdata_i;
    if (!s1_q.meta) begin
      fmt_data = cur;
      hold_d   = hold_q;
    end else if (s1_q.first) begin
      // Bytes 12..15: 0x8C 0xE4, syndrome, next header (contract section 5).
      fmt_data = {f_next_hdr_q, f_synd_q, esp_pkg::MetaEthertype[7:0],
                  esp_pkg::MetaEthertype[15:8], cur[95:0]};
      // Then sw_sa_handle (big-endian) and the original bytes 12..15.
      hold_d   = {cur[127:96], f_handle_q[7:0], f_handle_q[15:8], f_handle_q[23:16],
                  f_handle_q[31:24]};
    end else begin
      fmt_data = {cur[63:0], hold_q};
      hold_d   = cur[127:64];
    end
    // No-trailer length fields: frame bytes 16..17 (IPv4 total length), 18..19 (IPv6
    // payload length), 24..25 (IPv4 checksum), 8 bytes later in the output.
    if (s1_q.len4)  fmt_data[79:64] = {f_ip_len_q[7:0], f_ip_len_q[15:8]};
    if (s1_q.len6)  fmt_data[95:80] = {f_ip_len_q[7:0], f_ip_len_q[15:8]};
    if (s1_q.csum4) fmt_data[15:0]  = {f_ip_csum_q[7:0], f_ip_csum_q[15:8]};
  end

  always_ff @(posedge clk_i) begin
    if (s1_valid_q) hold_q <= hold_d;
  end

  // ---- Output queue, passed through while empty ----------------------------------------------
  typedef struct packed {
    logic         last;
    logic [15:0]  keep;
    logic [127:0] data;
  } out_beat_t;
  out_beat_t fmt_beat, q_head;
  logic q_empty, q_push, q_pop;

  always_comb begin
    fmt_beat.last = s1_q.last;
    fmt_beat.keep = s1_q.keep;
    fmt_beat.data = fmt_data;
  end

  assign q_push = s1_valid_q && !(q_empty && m_axis_tready_i);
  assign q_pop  = !q_empty && m_axis_tready_i;

  sync_fifo #(.Width($bits(fmt_beat)), .Depth(ODepth)) u_outq (
    .clk_i, .rst_ni,
    .push_i (q_push), .data_i (fmt_beat),
    .pop_i  (q_pop), .data_o (q_head),
    .empty_o (q_empty), .full_o (), .almost_full_o (), .count_o (ocount)
  );

  assign m_axis_tvalid_o = s1_valid_q || !q_empty;
  assign m_axis_tdata_o  = q_empty ? fmt_data      : q_head.data;
  assign m_axis_tkeep_o  = q_empty ? fmt_beat.keep : q_head.keep;
  assign m_axis_tlast_o  = q_empty ? fmt_beat.last : q_head.last;

endmodule
