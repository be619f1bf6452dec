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
// can still abort it: such a frame is marked `abort` (the wire MAC discards it; the mark
// follows a clock after its last beat) and counts as enc_drop. Frames that ended inside
// the parser's window never get that far: the parser drops them outright.
//
// Stages (docs/architecture.md, the TX stage map):
//   E0 (combinational, on the decision at the queue's head): which beat moves (one input
//      beat per output beat, the Ethernet padding drained before the final one), and per
//      byte lane what the output is made of: the input byte, the trailer byte, a header
//      field's byte. Position flags (before, at and after the trailer's beats, the final
//      beat) are registers, set a beat ahead.
//   E1 (a register, the output): the beat and its parts; the lanes chosen (one LUT), the
//      frame's input length. `m_valid_o` is this register's valid: it never depends on
//      `m_ready_i`, which only lets E1 move.
//   F  (registers, a clock after a frame's final beat left E1): its input length against
//      MaxFrame and the datagram's end, the abort mark (`m_abort_valid_o`, `m_abort_o`);
//      the counters pulse from registers a clock later.
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
  output esp_pkg::gcm_ctx_t        m_ctx_o,     // with the first beat of a frame
  // A clock after each frame's last beat left: whether the MAC must discard it.
  output logic                     m_abort_valid_o,
  output logic                     m_abort_o,
  // On the same clock, for every frame (sent on, or dropped here): its fate is decided, the
  // counters pulse on the next clock. esp_tx's packet offload joins its own marks here.
  output logic                     m_done_o,

  output logic                     cnt_enc_in_o,
  output logic                     cnt_enc_out_o,
  output logic                     cnt_enc_bypass_o,
  output logic                     cnt_enc_drop_o
);

  localparam int PosW = esp_pkg::PosW;
  localparam int BeatW = PosW - 4;

  esp_pkg::tx_decision_t d;
  assign d = dec_i;

  // ---- E0: the frame's position ------------------------------------------------------------
  typedef struct packed {
    logic [BeatW-1:0] beat_nn;    // the output beat after the next one
    // The next beat is the trailer's first, the final one: registered a beat ahead, from
    // the frame's own decision (beat 1 is neither: the trailer starts in beat 3 or later).
    logic             hit_trl;
    logic             hit_final;
    logic             in_done;    // the frame's last input beat has been consumed
    logic             first;      // no input beat of the frame consumed yet
    logic             user;       // its tuser
    // Flags of the beat being made (encrypted frames): before the trailer's first beat,
    // that beat, the one after it, the final beat. Beat 0 is always before the trailer:
    // the datagram holds at least an IPv4 header and the ESP header and IV (50 bytes).
    logic             pre_trl;
    logic             at_trl;
    logic             after_trl;
    logic             at_final;
    logic [4:0]       hb;         // one-hot: it is beat 0 .. 4 (the header's beats)
  } pos_t;

  // A frame's position before its first beat: after reset and after each frame (pos_t's
  // fields in order; a vector, as Yosys 0.23 takes no struct-typed parameter).
  localparam logic [BeatW+13:0] PosIdle = {
    BeatW'(2),  // beat_nn
    1'b0,       // hit_trl
    1'b0,       // hit_final
    1'b0,       // in_done
    1'b1,       // first
    1'b0,       // user
    1'b1,       // pre_trl
    1'b0,       // at_trl
    1'b0,       // after_trl
    1'b0,       // at_final
    5'b00001    // hb
  };

  pos_t pos_q;

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
  assign take_in    = dec_valid_i && e1_free && s_valid_i && (!k_enc || !pos_q.in_done);
  assign give_out   = dec_valid_i && e1_free &&
                      ((k_byp && s_valid_i) ||
                       (k_enc && (pos_q.in_done || (s_valid_i && (!pos_q.at_final || s_last_i)))));
  assign final_beat = k_enc ? pos_q.at_final : s_last_i;
  assign frame_done = dec_valid_i && e1_free &&
                      ((!k_enc && s_valid_i && s_last_i) ||
                       (k_enc && pos_q.at_final && (pos_q.in_done || (s_valid_i && s_last_i))));

  // The frame is done when its last output beat (or, dropped, its last input beat) goes.
  assign dec_pop_o  = frame_done;
  assign s_ready_o  = take_in;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pos_q <= PosIdle;
    end else if (frame_done) begin
      pos_q <= PosIdle;
    end else begin
      if (give_out) begin
        pos_q.hb        <= {pos_q.hb[3:0], 1'b0};
        pos_q.beat_nn   <= pos_q.beat_nn + BeatW'(1);
        pos_q.hit_trl   <= pos_q.beat_nn == d.dgram_end[PosW-1:4];
        pos_q.hit_final <= pos_q.beat_nn == d.last_beat;
        pos_q.pre_trl   <= pos_q.pre_trl && !pos_q.hit_trl;
        pos_q.at_trl    <= pos_q.hit_trl;
        pos_q.after_trl <= pos_q.at_trl;
        pos_q.at_final  <= pos_q.hit_final;
      end
      if (take_in) pos_q.first <= 1'b0;
      if (take_in && s_last_i) begin
        pos_q.in_done <= 1'b1;
        pos_q.user    <= s_user_i;
      end
    end
  end

  // ---- E0: the lanes -----------------------------------------------------------------------
  logic [127:0] trl_bytes, hdr_bytes, in_bytes_d;
  logic [15:0]  hdr_en, data_en, out_keep, last_keep;

  always_comb begin
    // The trailer, placed by the parser: in the beat holding the datagram's end and in the
    // first four lanes of the next; further on 0 (the ICV, written by esp_gcm).
    trl_bytes = pos_q.at_trl ? d.trailer_at : pos_q.after_trl ? {96'b0, d.trailer_next} : 128'b0;

    // The header fields that change, at their places in beats 1 to 4 (byte n of the frame
    // in lane n mod 16 of beat n / 16): IPv4: total length 16, checksum 24, SN 38, IV 42;
    // IPv6: payload length 18, SN 58, IV 62. The IV is the SN, big-endian (nonce[63:0]).
    hdr_en    = '0;
    hdr_bytes = '0;
    for (int i = 0; i < 16; i++) begin
      for (int b = 1; b <= 4; b++) begin
        int n;
        n = 16 * b + i;
        if (pos_q.hb[b]) begin
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
      data_en[i] = !k_enc || pos_q.pre_trl || (pos_q.at_trl && d.dgram_lanes[i]);
      last_keep[i] = d.out_len[3:0] == 4'd0 || 4'(i) < d.out_len[3:0];
    end
    if (!k_enc) begin
      hdr_en = '0;
    end
    // A datagram longer than its frame: the bytes the frame did not bring are 0.
    in_bytes_d = (k_enc && (pos_q.in_done || !s_valid_i)) ? 128'b0 : s_data_i;
    out_keep   = !k_enc ? s_keep_i : pos_q.at_final ? last_keep : 16'hffff;
  end

  // ---- E1 ------------------------------------------------------------------------------------
  logic [127:0]    e1_in_q, e1_trl_q, e1_hdr_q;
  logic [15:0]     e1_hdr_en_q, e1_data_en_q, e1_keep_q;
  logic            e1_last_q, e1_done_q, e1_encrypt_q, e1_bypass_q, e1_drop_q;
  logic            e1_classified_q, e1_user_q;
  logic [4:0]      e1_count_q;  // bytes of the input beat at E0 (taken or not)
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
      e1_user_q       <= (take_in && s_last_i) ? s_user_i : pos_q.user;
      e1_count_q      <= esp_pkg::keep_count(s_keep_i);
      e1_took_q       <= take_in;
      e1_first_q      <= pos_q.first;
      e1_need_q       <= d.dgram_end + PosW'(esp_pkg::MetaBytes);
    end
  end

  // The frame's input bytes up to and with E1's beat.
  logic [PosW-1:0] in_total;
  logic            e1_move;

  // The stripped metadata counted back in from a classified frame's first beat.
  assign in_total = (e1_first_q ? (e1_classified_q ? PosW'(esp_pkg::MetaBytes) : '0) : acc_q) +
                    (e1_took_q ? PosW'(e1_count_q) : '0);
  assign e1_move  = e1_valid_q && e1_free;

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

  // ---- F: the frame's fate, a clock after its final beat left E1 -----------------------------
  // Late errors, known with the frame's last input beat: a MAC error or an oversize frame
  // (before classification), or a datagram longer than its frame. E1's flags and the
  // frame's input length registered on every clock; c_done_q marks the frame's final beat.
  logic            c_done_q, c_out_q, c_user_q, c_encrypt_q, c_bypass_q, c_drop_q;
  logic            c_classified_q;
  logic [PosW-1:0] c_total_q, c_need_q;
  logic            over, truncated, mac_err, abort;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) c_done_q <= 1'b0;
    else         c_done_q <= e1_move && e1_done_q;
  end

  always_ff @(posedge clk_i) begin
    c_out_q        <= e1_out_q;
    c_user_q       <= e1_user_q;
    c_encrypt_q    <= e1_encrypt_q;
    c_bypass_q     <= e1_bypass_q;
    c_drop_q       <= e1_drop_q;
    c_classified_q <= e1_classified_q;
    c_total_q      <= in_total;
    c_need_q       <= e1_need_q;
  end

  assign over      = c_total_q > PosW'(MaxFrame);
  assign truncated = c_encrypt_q && c_total_q < c_need_q;
  assign mac_err   = c_user_q || over;
  assign abort     = mac_err || truncated;

  // A frame that went to esp_gcm: whether the MAC must discard it.
  assign m_abort_valid_o = c_done_q && c_out_q;
  assign m_abort_o       = abort;
  assign m_done_o        = c_done_q;

  // ---- counters (contract section 4): one fate per frame, enc_in for classified frames ------
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      cnt_enc_in_o     <= 1'b0;
      cnt_enc_out_o    <= 1'b0;
      cnt_enc_bypass_o <= 1'b0;
      cnt_enc_drop_o   <= 1'b0;
    end else begin
      cnt_enc_in_o     <= c_done_q && c_classified_q && !mac_err;
      cnt_enc_out_o    <= c_done_q && c_encrypt_q && !abort;
      cnt_enc_bypass_o <= c_done_q && c_bypass_q && !abort;
      cnt_enc_drop_o   <= c_done_q && (c_drop_q || abort);
    end
  end

endmodule
