// TX frame editor (contract section 6): applies the parser's decision to each frame, whose
// metadata is already gone.
//   TxDrop:    the frame is consumed; nothing leaves.
//   TxBypass:  the frame leaves unchanged.
//   TxEncrypt: the frame's own header, with the fields that change written over it (IP
//              length, IPv4 checksum, ESP sequence number, IV); then the payload; then the
//              trailer the engine builds (pad bytes 1, 2, .., pad length, next header,
//              RFC 4303 section 2.4) and 16 bytes for the ICV, which esp_gcm fills. Bytes
//              after the datagram (Ethernet padding) are discarded.
// A frame's final output beat waits for the frame's last input beat, so that a MAC error
// (tuser), an oversize frame or a datagram cut short by the frame's end, known only then,
// can still abort it: such a frame leaves with `abort` set on its last beat (the wire MAC
// discards it) and counts as enc_drop. Frames that ended inside the parser's window never
// get that far: the parser drops them outright.
//
// Two stages (docs/architecture.md, the TX stage map):
//   E0 (combinational, on the decision at the queue's head): which beat moves (one input
//      beat per output beat, the Ethernet padding drained before the final one), and per
//      byte lane what the output is made of: the input byte, the trailer byte, a header
//      field's byte. Position flags (before, at and after the trailer's beats, the final
//      beat) are registers, set a beat ahead.
//   E1 (a register, the output): the beat and its parts; the lanes chosen (one LUT), the
//      frame's input length and the abort flag. `m_valid_o` is this register's valid: it
//      never depends on `m_ready_i`, which only lets E1 move.
// The counters pulse from registers two clocks after the frame's final beat leaves E1.
// `m_ctx_o` is read from the decision at the queue's head: while E1 holds an encrypted
// frame's first beat, that decision is its own (it is popped with the final beat), so no
// copy of the key is kept here.
module esp_tx_edit #(
  parameter int MaxFrame = 9216
) (
  input  logic                     clk_i,
  input  logic                     rst_ni,

  input  logic                     s_valid_i,
  output logic                     s_ready_o,
  input  logic [127:0]             s_data_i,
  input  logic [15:0]              s_keep_i,
  input  logic                     s_last_i,
  input  logic                     s_user_i,

  input  logic                     dec_valid_i,
  output logic                     dec_pop_o,
  input  esp_pkg::tx_decision_t    dec_i,

  output logic                     m_valid_o,
  input  logic                     m_ready_i,
  output logic [127:0]             m_data_o,
  output logic [15:0]              m_keep_o,
  output logic                     m_last_o,
  output logic                     m_abort_o,   // with m_last_o
  output esp_pkg::gcm_ctx_t        m_ctx_o,     // with the first beat of a frame

  output logic                     cnt_enc_in_o,
  output logic                     cnt_enc_out_o,
  output logic                     cnt_enc_bypass_o,
  output logic                     cnt_enc_drop_o
);

  localparam int PosW = esp_pkg::PosW;
  localparam int BeatW = PosW - 4;

  esp_pkg::tx_decision_t d;
  assign d = dec_i;

  function automatic logic [3:0] keep_bytes8(input logic [7:0] keep);
    logic [3:0] n;
    n = '0;
    for (int i = 0; i < 8; i++) n = n + {3'b0, keep[i]};
    keep_bytes8 = n;
  endfunction

  // ---- E0: the frame's position ------------------------------------------------------------
  logic [BeatW-1:0] beat_nn_q;  // the output beat after the next one
  logic             in_done_q;  // the frame's last input beat has been consumed
  logic             first_q;    // no input beat of the frame consumed yet
  logic             user_q;     // its tuser
  // Flags of the beat being made (encrypted frames): before the trailer's first beat, that
  // beat, the one after it, the final beat. Beat 0 is always before the trailer: the
  // datagram holds at least an IPv4 header and the ESP header and IV (50 bytes).
  logic             pre_trl_q, at_trl_q, after_trl_q, final_q;
  logic [4:0]       hb_q;       // one-hot: it is beat 0 .. 4 (the header's beats)

  logic             e1_free, take_in, give_out, final_beat, frame_done;
  logic             e1_valid_q, e1_out_q;

  // E1 takes a new beat when it holds none to give, or gives its beat now.
  assign e1_free = !e1_out_q || m_ready_i;

  // Written as sums of terms with the queue's valid and E1's room last: the decision's
  // kind is a LUTRAM read, and the pop goes on into the queue's pointers. The kind's bits
  // (esp_pkg::tx_kind_e): 1 encrypted, 0 bypassed; neither: dropped.
  logic k_enc, k_byp, k_drop;
  assign k_enc  = d.kind[1];
  assign k_byp  = d.kind[0];
  assign k_drop = !d.kind[1] && !d.kind[0];

  // Encrypted: one input beat per output beat; before the final output beat, drain
  // whatever input is left (Ethernet padding) first.
  assign take_in    = dec_valid_i && e1_free && s_valid_i && (!k_enc || !in_done_q);
  assign give_out   = dec_valid_i && e1_free &&
                      ((k_byp && s_valid_i) ||
                       (k_enc && (in_done_q || (s_valid_i && (!final_q || s_last_i)))));
  assign final_beat = k_enc ? final_q : s_last_i;
  assign frame_done = dec_valid_i && e1_free &&
                      ((!k_enc && s_valid_i && s_last_i) ||
                       (k_enc && final_q && (in_done_q || (s_valid_i && s_last_i))));

  // The frame is done when its last output beat (or, dropped, its last input beat) goes.
  assign dec_pop_o  = frame_done;
  assign s_ready_o  = take_in;

  // The next beat is the trailer's first, the final one: registered a beat ahead, from the
  // frame's own decision (beat 1 is neither: the trailer starts in beat 3 or later).
  logic hit_trl_q, hit_final_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      beat_nn_q   <= BeatW'(2);
      hit_trl_q   <= 1'b0;
      hit_final_q <= 1'b0;
      in_done_q   <= 1'b0;
      first_q     <= 1'b1;
      user_q      <= 1'b0;
      pre_trl_q   <= 1'b1;
      at_trl_q    <= 1'b0;
      after_trl_q <= 1'b0;
      final_q     <= 1'b0;
      hb_q        <= 5'b00001;
    end else if (frame_done) begin
      beat_nn_q   <= BeatW'(2);
      hit_trl_q   <= 1'b0;
      hit_final_q <= 1'b0;
      in_done_q   <= 1'b0;
      first_q     <= 1'b1;
      user_q      <= 1'b0;
      pre_trl_q   <= 1'b1;
      at_trl_q    <= 1'b0;
      after_trl_q <= 1'b0;
      final_q     <= 1'b0;
      hb_q        <= 5'b00001;
    end else begin
      if (give_out) begin
        hb_q        <= {hb_q[3:0], 1'b0};
        beat_nn_q   <= beat_nn_q + BeatW'(1);
        hit_trl_q   <= beat_nn_q == d.dgram_end[PosW-1:4];
        hit_final_q <= beat_nn_q == d.last_beat;
        pre_trl_q   <= pre_trl_q && !hit_trl_q;
        at_trl_q    <= hit_trl_q;
        after_trl_q <= at_trl_q;
        final_q     <= hit_final_q;
      end
      if (take_in) first_q <= 1'b0;
      if (take_in && s_last_i) begin
        in_done_q <= 1'b1;
        user_q    <= s_user_i;
      end
    end
  end

  // ---- E0: the lanes -----------------------------------------------------------------------
  logic [127:0] trl_bytes, hdr_bytes, in_bytes_d;
  logic [15:0]  hdr_en, data_en, out_keep, last_keep;

  always_comb begin
    // The trailer, placed by the parser: in the beat holding the datagram's end and in the
    // first four lanes of the next; further on 0 (the ICV, written by esp_gcm).
    trl_bytes = at_trl_q ? d.trailer_at : after_trl_q ? {96'b0, d.trailer_next} : 128'b0;

    // The header fields that change, at their places in beats 1 to 4 (byte n of the frame
    // in lane n mod 16 of beat n / 16): IPv4: total length 16, checksum 24, SN 38, IV 42;
    // IPv6: payload length 18, SN 58, IV 62. The IV is the SN, big-endian (nonce[63:0]).
    hdr_en    = '0;
    hdr_bytes = '0;
    for (int i = 0; i < 16; i++) begin
      for (int b = 1; b <= 4; b++) begin
        int n;
        n = 16 * b + i;
        if (hb_q[b]) begin
          if (d.ipv4) begin
            if (n == 16 || n == 17) begin
              hdr_en[i] = 1'b1; hdr_bytes[8*i +: 8] = d.ip_len[8*(17-n) +: 8];
            end else if (n == 24 || n == 25) begin
              hdr_en[i] = 1'b1; hdr_bytes[8*i +: 8] = d.ip_csum[8*(25-n) +: 8];
            end else if (n >= 38 && n < 42) begin
              hdr_en[i] = 1'b1; hdr_bytes[8*i +: 8] = d.nonce[8*(41-n) +: 8];
            end else if (n >= 42 && n < 50) begin
              hdr_en[i] = 1'b1; hdr_bytes[8*i +: 8] = d.nonce[8*(49-n) +: 8];
            end
          end else begin
            if (n == 18 || n == 19) begin
              hdr_en[i] = 1'b1; hdr_bytes[8*i +: 8] = d.ip_len[8*(19-n) +: 8];
            end else if (n >= 58 && n < 62) begin
              hdr_en[i] = 1'b1; hdr_bytes[8*i +: 8] = d.nonce[8*(61-n) +: 8];
            end else if (n >= 62 && n < 70) begin
              hdr_en[i] = 1'b1; hdr_bytes[8*i +: 8] = d.nonce[8*(69-n) +: 8];
            end
          end
        end
      end
    end

    // Lanes from the input: every lane of a bypassed frame; of an encrypted frame the
    // datagram's (before the trailer's first beat, and in it the lanes below its start).
    for (int i = 0; i < 16; i++) begin
      data_en[i] = !k_enc || pre_trl_q || (at_trl_q && d.dgram_lanes[i]);
      last_keep[i] = d.out_len[3:0] == 4'd0 || 4'(i) < d.out_len[3:0];
    end
    if (!k_enc) begin
      hdr_en = '0;
    end
    // A datagram longer than its frame: the bytes the frame did not bring are 0.
    in_bytes_d = (k_enc && (in_done_q || !s_valid_i)) ? 128'b0 : s_data_i;
    out_keep   = !k_enc ? s_keep_i : final_q ? last_keep : 16'hffff;
  end

  // ---- E1 ------------------------------------------------------------------------------------
  logic [127:0]    e1_in_q, e1_trl_q, e1_hdr_q;
  logic [15:0]     e1_hdr_en_q, e1_data_en_q, e1_keep_q;
  logic            e1_last_q, e1_done_q, e1_encrypt_q, e1_bypass_q, e1_drop_q;
  logic            e1_classified_q, e1_user_q;
  logic [3:0]      e1_count_lo_q, e1_count_hi_q;  // bytes of the input beat at E0 (taken or
                                                  // not), lanes 0-7 and 8-15
  logic            e1_took_q;   // E1's beat took that input beat
  logic            e1_first_q;  // ... the frame's first

  logic [PosW-1:0] e1_need_q;   // input bytes the datagram needs: 8 + 14 + T
  logic [PosW-1:0] acc_q;       // input bytes of the frame before E1's beat

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      e1_valid_q <= 1'b0;
      e1_out_q   <= 1'b0;
      e1_done_q  <= 1'b0;
    end else if (e1_free) begin
      e1_valid_q <= take_in || give_out;
      e1_out_q   <= give_out;
      e1_done_q  <= frame_done;
    end
  end

  always_ff @(posedge clk_i) begin
    if (e1_free) begin
      e1_in_q         <= in_bytes_d;
      e1_trl_q        <= trl_bytes;
      e1_hdr_q        <= hdr_bytes;
      e1_hdr_en_q     <= hdr_en;
      e1_data_en_q    <= data_en;
      e1_keep_q       <= out_keep;
      e1_last_q       <= final_beat;
      e1_encrypt_q    <= k_enc;
      e1_bypass_q     <= k_byp;
      e1_drop_q       <= k_drop;
      e1_classified_q <= d.classified;
      e1_user_q       <= (take_in && s_last_i) ? s_user_i : user_q;
      e1_count_lo_q   <= keep_bytes8(s_keep_i[7:0]);
      e1_count_hi_q   <= keep_bytes8(s_keep_i[15:8]);
      e1_took_q       <= take_in;
      e1_first_q      <= first_q;
      e1_need_q       <= d.dgram_end + PosW'(esp_pkg::MetaBytes);
    end
  end

  // The frame's input bytes up to and with E1's beat; late errors, known with the frame's
  // last input beat: a MAC error or an oversize frame (before classification), or a
  // datagram longer than its frame.
  logic [PosW-1:0] in_total;
  logic            over, truncated, mac_err, abort, e1_move;

  // The stripped metadata counted back in from a classified frame's first beat.
  assign in_total  = (e1_first_q ? (e1_classified_q ? PosW'(esp_pkg::MetaBytes) : '0) : acc_q) +
                     (e1_took_q ? PosW'(e1_count_lo_q) + PosW'(e1_count_hi_q) : '0);
  assign over      = in_total > PosW'(MaxFrame);
  assign truncated = e1_encrypt_q && in_total < e1_need_q;
  assign mac_err   = e1_user_q || over;
  assign abort     = mac_err || truncated;
  assign e1_move   = e1_valid_q && e1_free;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)                  acc_q <= '0;
    else if (e1_move && e1_done_q) acc_q <= '0;
    else if (e1_move)             acc_q <= in_total;
  end

  for (genvar i = 0; i < 16; i++) begin : gen_lane
    assign m_data_o[8*i +: 8] = e1_hdr_en_q[i]  ? e1_hdr_q[8*i +: 8]
                              : e1_data_en_q[i] ? e1_in_q[8*i +: 8] : e1_trl_q[8*i +: 8];
  end
  assign m_valid_o = e1_out_q;
  assign m_keep_o  = e1_keep_q;
  assign m_last_o  = e1_last_q;
  assign m_abort_o = abort;

  always_comb begin
    m_ctx_o            = '0;
    m_ctx_o.mode       = e1_encrypt_q ? esp_pkg::GcmEncrypt : esp_pkg::GcmNone;
    if (e1_encrypt_q) begin
      m_ctx_o.key        = d.key;
      m_ctx_o.key256     = d.key256;
      m_ctx_o.nonce      = d.nonce;
      m_ctx_o.aad        = d.aad;
      m_ctx_o.aad12      = d.aad12;
      m_ctx_o.text_start = d.text_start;
      m_ctx_o.text_len   = d.text_len;
    end
  end

  // ---- counters (contract section 4): one fate per frame, enc_in for classified frames ------
  // The frame's flags registered as its final beat leaves E1, the pulses a clock later.
  logic c_done_q, c_mac_q, c_abort_q, c_encrypt_q, c_bypass_q, c_drop_q, c_classified_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      c_done_q         <= 1'b0;
      cnt_enc_in_o     <= 1'b0;
      cnt_enc_out_o    <= 1'b0;
      cnt_enc_bypass_o <= 1'b0;
      cnt_enc_drop_o   <= 1'b0;
    end else begin
      c_done_q         <= e1_move && e1_done_q;
      cnt_enc_in_o     <= c_done_q && c_classified_q && !c_mac_q;
      cnt_enc_out_o    <= c_done_q && c_encrypt_q && !c_abort_q;
      cnt_enc_bypass_o <= c_done_q && c_bypass_q && !c_abort_q;
      cnt_enc_drop_o   <= c_done_q && (c_drop_q || c_abort_q);
    end
  end

  always_ff @(posedge clk_i) begin
    c_mac_q        <= mac_err;
    c_abort_q      <= abort;
    c_encrypt_q    <= e1_encrypt_q;
    c_bypass_q     <= e1_bypass_q;
    c_drop_q       <= e1_drop_q;
    c_classified_q <= e1_classified_q;
  end

endmodule
