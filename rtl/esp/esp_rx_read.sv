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
// Pipeline: an address generator issues one token per output beat (reading at most one
// buffer beat); the buffer's registered read and the token meet in the formatter, which
// inserts the 8 metadata bytes with a fixed half-beat shift (output beat j >= 1 is the
// upper half of stored beat j - 1 and the lower half of stored beat j); the output queue
// is passed through while empty. Tokens are issued only with room in the output queue,
// so the pipeline never stalls and no valid/ready path runs through it.
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

  // ---- The frame at the head: fate, counters, shape -----------------------------------------
  logic        head_ready, good, strip, fwd;
  logic        h_meta, h_from_gcm;
  logic [7:0]  h_synd, h_next_hdr;
  logic [14:0] dgram_end, h_end, out_len;
  logic [CntW-1:0] h_nout, h_nread;
  logic [15:0] h_keep_last, h_ip_len;
  esp_rx_pkg::rx_patch_e h_patch;
  logic        c_in, c_out, c_bypass, c_drop, c_auth;

  always_comb begin
    head_ready = desc_valid_i && (!desc_i.in_gcm || done_valid_i);
    good       = done_i.tag_ok && done_i.trailer_ok;
    strip      = good && no_trailer_i;
    dgram_end  = 15'(desc_i.dgram_len) + 15'(esp_rx_pkg::EthHdrBytes);
    fwd        = 1'b0;
    h_meta     = 1'b1;
    h_from_gcm = 1'b0;
    h_synd     = esp_pkg::SyndRxBadProto;
    h_next_hdr = 8'd0;
    h_end      = {1'b0, desc_i.frame_len};
    h_patch    = esp_rx_pkg::PatchNone;
    c_in       = 1'b0;
    c_out      = 1'b0;
    c_bypass   = 1'b0;
    c_drop     = 1'b0;
    c_auth     = 1'b0;
    unique case (desc_i.fate)
      esp_rx_pkg::RxGcm: begin
        fwd        = good || fwd_bad_frames_i;
        h_from_gcm = 1'b1;
        if (!done_i.tag_ok)           h_synd = esp_pkg::SyndRxAuthFail;
        else if (done_i.trailer_ok)   h_synd = esp_pkg::SyndRxDecrypted;
        h_next_hdr = good ? done_i.next_hdr : 8'd0;
        // No trailer: pad, pad length, next header and ICV go.
        h_end      = strip ? dgram_end - 15'(done_i.pad_len) - 15'(2 + esp_pkg::IcvBytes)
                           : dgram_end;
        if (strip)  h_patch = desc_i.ipv6 ? esp_rx_pkg::PatchIpv6 : esp_rx_pkg::PatchIpv4;
        c_in       = 1'b1;
        c_out      = good;
        c_auth     = !done_i.tag_ok;
        c_drop     = done_i.tag_ok && !done_i.trailer_ok;
      end
      esp_rx_pkg::RxTrunc: begin
        fwd    = fwd_bad_frames_i;
        c_in   = 1'b1;
        c_drop = 1'b1;
      end
      esp_rx_pkg::RxBypass: begin
        fwd      = 1'b1;
        h_meta   = 1'b0;
        c_bypass = 1'b1;
      end
      default: begin
        c_drop = 1'b1;
      end
    endcase
    out_len     = h_end + (h_meta ? 15'(esp_pkg::MetaBytes) : 15'd0);
    h_nout      = CntW'((out_len + 15'd15) >> 4);
    h_nread     = CntW'((h_end + 15'd15) >> 4);
    h_keep_last = out_len[3:0] == 4'd0 ? 16'hffff : (16'h1 << out_len[3:0]) - 16'h1;
    // RFC 791 total length, or RFC 8200 payload length; the IPv4 header checksum anew.
    h_ip_len    = 16'(h_end - 15'(esp_rx_pkg::EthHdrBytes)) -
                  (desc_i.ipv6 ? 16'(esp_rx_pkg::Ipv6HdrBytes) : 16'd0);
  end

  // ---- Address generator -------------------------------------------------------------------
  logic            busy_q;
  logic [CntW-1:0] j_q, nout_q, nread_q;
  logic [PtrW-1:0] free_next_q, free_ptr_q;
  logic [AddrW-1:0] base_q;
  logic [15:0]     keep_last_q;
  esp_rx_pkg::rx_tok_t tpl_q, tpl_h, tpl, tok;
  logic            s1_valid_q;
  esp_rx_pkg::rx_tok_t s1_q;
  logic [$clog2(ODepth):0] ocount;
  logic            credit, issue, start, drop_now;
  logic [CntW-1:0] j, nout, nread;
  logic [AddrW-1:0] base;

  assign credit   = 32'(ocount) + 32'(s1_valid_q) < ODepth;
  assign start    = !busy_q && head_ready && fwd && credit;
  assign drop_now = !busy_q && head_ready && !fwd;
  assign issue    = start || (busy_q && credit);

  always_comb begin
    // Per-frame fields of the tokens.
    tpl_h.rd       = 1'b0;
    tpl_h.from_gcm = h_from_gcm;
    tpl_h.first    = 1'b0;
    tpl_h.last     = 1'b0;
    tpl_h.keep     = '0;
    tpl_h.meta     = h_meta;
    tpl_h.idx      = '0;
    tpl_h.patch    = h_patch;
    tpl_h.synd     = h_synd;
    tpl_h.next_hdr = h_next_hdr;
    tpl_h.handle   = desc_i.handle;
    tpl_h.ip_len   = h_ip_len;
    tpl_h.ip_csum  = ~add1c(desc_i.csum_part, h_ip_len);

    tpl   = busy_q ? tpl_q   : tpl_h;
    j     = busy_q ? j_q     : '0;
    nout  = busy_q ? nout_q  : h_nout;
    nread = busy_q ? nread_q : h_nread;
    base  = busy_q ? base_q  : desc_i.base[AddrW-1:0];

    tok       = tpl;
    tok.rd    = j < nread;
    tok.first = j == '0;
    tok.last  = j == nout - CntW'(1);
    tok.keep  = tok.last ? (busy_q ? keep_last_q : h_keep_last) : 16'hffff;
    tok.idx   = j > CntW'(3) ? 2'd3 : j[1:0];

  end

  assign desc_pop_o = start || drop_now;
  assign done_pop_o = (start || drop_now) && desc_i.in_gcm;
  assign orig_re_o  = issue && tok.rd && !tok.from_gcm;
  assign gcm_re_o   = issue && tok.rd && tok.from_gcm;
  assign raddr_o    = base + AddrW'(j);
  assign free_ptr_o = free_ptr_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      busy_q     <= 1'b0;
      free_ptr_q <= '0;
    end else begin
      if (drop_now) free_ptr_q <= desc_i.base + PtrW'(desc_i.nbeats);
      if (issue && tok.last) begin
        busy_q     <= 1'b0;
        free_ptr_q <= busy_q ? free_next_q : desc_i.base + PtrW'(desc_i.nbeats);
      end else if (start) begin
        busy_q <= 1'b1;
      end
    end
  end

  always_ff @(posedge clk_i) begin
    if (start) begin
      tpl_q       <= tpl_h;
      nout_q      <= h_nout;
      nread_q     <= h_nread;
      base_q      <= desc_i.base[AddrW-1:0];
      keep_last_q <= h_keep_last;
      free_next_q <= desc_i.base + PtrW'(desc_i.nbeats);
    end
    if (issue) j_q <= j + CntW'(1);
  end

  // ---- Counters: one pulse per frame, when its fate is decided -------------------------------
  logic cnt_in_q, cnt_out_q, cnt_bypass_q, cnt_drop_q, cnt_auth_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cnt_in_q     <= 1'b0;
      cnt_out_q    <= 1'b0;
      cnt_bypass_q <= 1'b0;
      cnt_drop_q   <= 1'b0;
      cnt_auth_q   <= 1'b0;
    end else begin
      cnt_in_q     <= desc_pop_o && c_in;
      cnt_out_q    <= desc_pop_o && c_out;
      cnt_bypass_q <= desc_pop_o && c_bypass;
      cnt_drop_q   <= desc_pop_o && c_drop;
      cnt_auth_q   <= desc_pop_o && c_auth;
    end
  end
  assign cnt_dec_in_o        = cnt_in_q;
  assign cnt_dec_out_o       = cnt_out_q;
  assign cnt_dec_bypass_o    = cnt_bypass_q;
  assign cnt_dec_drop_o      = cnt_drop_q;
  assign cnt_dec_auth_fail_o = cnt_auth_q;

  // ---- Buffer read (registered in the RAM) and formatter -------------------------------------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) s1_valid_q <= 1'b0;
    else         s1_valid_q <= issue;
  end

  always_ff @(posedge clk_i) begin
    if (issue) s1_q <= tok;
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
      fmt_data = {s1_q.next_hdr, s1_q.synd, esp_pkg::MetaEthertype[7:0],
                  esp_pkg::MetaEthertype[15:8], cur[95:0]};
      // Then sw_sa_handle (big-endian) and the original bytes 12..15.
      hold_d   = {cur[127:96], s1_q.handle[7:0], s1_q.handle[15:8], s1_q.handle[23:16],
                  s1_q.handle[31:24]};
    end else begin
      fmt_data = {cur[63:0], hold_q};
      hold_d   = cur[127:64];
    end
    // No-trailer length fields: frame bytes 16..17 (IPv4 total length), 18..19 (IPv6
    // payload length), 24..25 (IPv4 checksum), 8 bytes later in the output.
    if (s1_q.meta && s1_q.idx == 2'd1 && s1_q.patch == esp_rx_pkg::PatchIpv4) begin
      fmt_data[79:64] = {s1_q.ip_len[7:0], s1_q.ip_len[15:8]};
    end
    if (s1_q.meta && s1_q.idx == 2'd1 && s1_q.patch == esp_rx_pkg::PatchIpv6) begin
      fmt_data[95:80] = {s1_q.ip_len[7:0], s1_q.ip_len[15:8]};
    end
    if (s1_q.meta && s1_q.idx == 2'd2 && s1_q.patch == esp_rx_pkg::PatchIpv4) begin
      fmt_data[15:0] = {s1_q.ip_csum[7:0], s1_q.ip_csum[15:8]};
    end
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
