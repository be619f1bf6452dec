// Formal top for esp_rx_read (rtl/esp/esp_rx_read.sv): the frame accounting of contract
// section 4 at the block that decides every RX frame's fate, and the AXI4-Stream rules on its
// host-side output.
// - Every descriptor taken gets exactly one fate, in order: one of out, bypass, drop,
//   auth_fail; `in` only with out, auth_fail or drop, never with bypass. A descriptor is
//   popped into the block's next stage first, so the fates lag the pops by at most two (the
//   one waiting there, and the one taken whose fate is counted the clock after).
// - A frame leaves (one tlast) for each fate that forwards it: out, bypass, and with the
//   debug bit drop or auth_fail of a matched frame; never more, and the frames still inside
//   are at most a few (the output queue holds the tails of at most MaxInside frames).
// - tvalid, once high, holds with its beat until taken.
// The neighbours are assumed to behave as esp_rx does: the descriptor and the decrypt verdict
// are FIFO heads (held until popped); lengths are those the parser and esp_gcm guarantee; the
// debug bit does not change while frames are inside (it is a configuration bit).
module esp_rx_read_formal (
  input logic                 clk_i,
  input logic                 rst_ni,
  input logic                 no_trailer_i,
  input logic                 fwd_bad_frames_i,
  input logic                 desc_valid_i,
  input esp_rx_pkg::rx_desc_t desc_i,
  input logic                 done_valid_i,
  input esp_pkg::gcm_status_t done_i,
  input logic [127:0]         orig_rdata_i,
  input logic [127:0]         gcm_rdata_i,
  input logic                 m_axis_tready_i
);

  localparam int MaxInside = 4;
  localparam int MaxFrame  = 9216;  // esp_rx's default (ipsec_engine's)

  logic        desc_pop, done_pop, orig_re, gcm_re;
  logic [11:0] free_ptr;
  logic [10:0] raddr;
  logic        tvalid, tlast;
  logic [127:0] tdata;
  logic [15:0] tkeep;
  logic        c_in, c_out, c_bypass, c_drop, c_auth;

  esp_rx_read u_read (
    .clk_i, .rst_ni, .no_trailer_i, .fwd_bad_frames_i,
    .desc_valid_i, .desc_i, .desc_pop_o(desc_pop),
    .done_valid_i, .done_i, .done_pop_o(done_pop),
    .free_ptr_o(free_ptr), .orig_re_o(orig_re), .gcm_re_o(gcm_re), .raddr_o(raddr),
    .orig_rdata_i, .gcm_rdata_i,
    .m_axis_tvalid_o(tvalid), .m_axis_tready_i, .m_axis_tdata_o(tdata),
    .m_axis_tkeep_o(tkeep), .m_axis_tlast_o(tlast),
    .cnt_dec_in_o(c_in), .cnt_dec_out_o(c_out), .cnt_dec_bypass_o(c_bypass),
    .cnt_dec_drop_o(c_drop), .cnt_dec_auth_fail_o(c_auth)
  );

  logic past_q = 1'b0;
  always_ff @(posedge clk_i) past_q <= 1'b1;

  // ---- The neighbours (assumed) ----
  initial assume (!rst_ni);
  logic [15:0] f_ip_hdr;
  assign f_ip_hdr = desc_i.ipv6 ? 16'(esp_rx_pkg::Ipv6HdrBytes) : 16'(esp_rx_pkg::Ipv4HdrBytes);
  always_comb begin
    if (rst_ni && desc_valid_i) begin
      // esp_rx_feed: a frame that is not dropped is at least MinFrame and at most MaxFrame
      // long; a decrypted one holds its whole datagram, which holds ESP's least (header, IV,
      // ICV, two trailer bytes); a decrypted frame has a verdict to wait for.
      if (desc_i.fate != esp_rx_pkg::RxDrop) begin
        assume (desc_i.frame_len >= 14'(esp_pkg::MinFrame));
        assume (desc_i.frame_len <= 14'(MaxFrame));
      end
      if (desc_i.fate == esp_rx_pkg::RxGcm) begin
        assume (desc_i.in_gcm);
        assume (18'(desc_i.dgram_len) + 18'(esp_rx_pkg::EthHdrBytes) <= 18'(desc_i.frame_len));
        assume (17'(desc_i.dgram_len) >= 17'(f_ip_hdr) + 17'(esp_rx_pkg::EspMinBytes));
        // esp_gcm: a good trailer's padding fits in the text (RFC 4303 section 2.4).
        if (done_valid_i && done_i.tag_ok && done_i.trailer_ok) begin
          assume (17'(done_i.pad_len) + 17'(f_ip_hdr) + 17'(esp_rx_pkg::EspMinBytes)
                  <= 17'(desc_i.dgram_len));
        end
      end
    end
  end
  always_ff @(posedge clk_i) begin
    if (past_q && $past(rst_ni) && rst_ni) begin
      if ($past(desc_valid_i && !desc_pop)) assume (desc_valid_i && desc_i == $past(desc_i));
      if ($past(done_valid_i && !done_pop)) assume (done_valid_i && done_i == $past(done_i));
      assume (fwd_bad_frames_i == $past(fwd_bad_frames_i));
      assume (no_trailer_i == $past(no_trailer_i));
    end
  end

  // ---- One fate per frame ----
  logic fate;
  logic [7:0] popped_q, fated_q, owed;
  assign fate = c_out || c_bypass || c_drop || c_auth;
  assign owed = popped_q - fated_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      popped_q <= '0;
      fated_q  <= '0;
    end else begin
      popped_q <= popped_q + 8'(desc_pop);
      fated_q  <= fated_q + 8'(fate);
    end
  end
  always_comb begin
    if (rst_ni) begin
      assert (owed <= 8'd2);
      assert (!fate || owed != '0);
      assert ($onehot0({c_out, c_bypass, c_drop, c_auth}));
      assert (!c_in || c_out || c_auth || c_drop);
      assert (!(c_in && c_bypass));
      assert (!c_out || c_in);
      assert (!c_auth || c_in);
    end
  end

  // ---- Every forwarded frame leaves once ----
  logic leaving, left;
  logic [7:0] leaving_q, left_q, inside;
  assign leaving = c_out || c_bypass || (fwd_bad_frames_i && c_in && (c_drop || c_auth));
  assign left    = tvalid && m_axis_tready_i && tlast;
  assign inside  = leaving_q - left_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      leaving_q <= '0;
      left_q    <= '0;
    end else begin
      leaving_q <= leaving_q + 8'(leaving);
      left_q    <= left_q + 8'(left);
    end
  end
  always_comb begin
    if (rst_ni) begin
      // A frame's fate is counted the clock after its first token issues, so its last beat
      // can leave no earlier than that: no frame leaves before its fate.
      assert (inside <= 8'(MaxInside));
      assert (!(left && inside == '0 && !leaving));
    end
  end

  // ---- AXI4-Stream rules on the output ----
  always_ff @(posedge clk_i) begin
    if (past_q && $past(rst_ni) && rst_ni && $past(tvalid && !m_axis_tready_i)) begin
      assert (tvalid);
      assert (tdata == $past(tdata) && tkeep == $past(tkeep) && tlast == $past(tlast));
    end
  end

  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      cover (left && c_out);
      cover (c_auth && fwd_bad_frames_i);
      cover (c_drop && !c_in);
    end
  end

  logic unused;
  assign unused = ^{done_pop, free_ptr, orig_re, gcm_re, raddr};

endmodule
