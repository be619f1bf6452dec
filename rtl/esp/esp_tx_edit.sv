// TX frame editor (contract section 6): applies the parser's decision to each frame, whose
// metadata is already gone.
//   TxDrop:    the frame is consumed; nothing leaves.
//   TxBypass:  the frame leaves unchanged.
//   TxEncrypt: output bytes below hdr_len come from the decision's header (IP length and
//              checksum, ESP sequence number, IV); then the payload; then the trailer the
//              engine builds (pad bytes 1, 2, .., pad length, next header, RFC 4303
//              section 2.4) and 16 bytes for the ICV, which esp_gcm fills. Bytes after the
//              datagram (Ethernet padding) are discarded.
// A frame's final output beat waits for the frame's last input beat, so that a MAC error
// (tuser), an oversize frame or a datagram cut short by the frame's end, known only then,
// can still abort it: such a frame leaves with `abort` set on its last beat (the wire MAC
// discards it) and counts as enc_drop. Frames that ended inside the parser's window never
// get that far: the parser drops them outright.
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
  input  esp_pkg::tx_decision_t dec_i,

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

  esp_pkg::tx_decision_t d;
  assign d = dec_i;

  logic [PosW-1:0] pos_q;        // output position of this beat's byte 0
  logic [PosW-1:0] in_bytes_q;   // input bytes (metadata removed) consumed so far
  logic            in_done_q;    // the frame's last input beat has been consumed
  logic            user_q;

  logic [PosW-1:0] in_bytes, frame_len;
  logic            encrypt, bypass, drop;
  logic            take_in, give_out, final_beat, abort;
  logic [127:0]    out_data;
  logic [15:0]     out_keep;
  logic [PosW-1:0] bpos, tpos;
  logic            mac_err, truncated;

  function automatic logic [4:0] keep_bytes(input logic [15:0] keep);
    logic [4:0] n;
    n = '0;
    for (int i = 0; i < 16; i++) n = n + {4'b0, keep[i]};
    keep_bytes = n;
  endfunction

  assign encrypt = dec_valid_i && d.kind == esp_pkg::TxEncrypt;
  assign bypass  = dec_valid_i && d.kind == esp_pkg::TxBypass;
  assign drop    = dec_valid_i && d.kind == esp_pkg::TxDrop;

  // Bytes of the input frame once this beat is in (the stripped metadata counted back in).
  assign in_bytes  = in_bytes_q + (take_in ? PosW'(keep_bytes(s_keep_i)) : '0);
  assign frame_len = in_bytes + (d.classified ? PosW'(esp_pkg::MetaBytes) : '0);

  always_comb begin
    take_in    = 1'b0;
    give_out   = 1'b0;
    final_beat = 1'b0;
    out_data   = s_data_i;
    out_keep   = s_keep_i;
    bpos       = '0;
    tpos       = '0;
    if (drop) begin
      take_in = s_valid_i;
    end else if (bypass) begin
      take_in    = s_valid_i && m_ready_i;
      give_out   = take_in;
      final_beat = s_last_i;
    end else if (encrypt) begin
      final_beat = pos_q + PosW'(16) >= d.out_len;
      if (!in_done_q) begin
        // One input beat per output beat; before the final output beat, drain whatever
        // input is left (Ethernet padding) first.
        take_in  = s_valid_i && (m_ready_i || (final_beat && !s_last_i));
        give_out = take_in && (!final_beat || s_last_i);
      end else begin
        give_out = m_ready_i;
      end
      for (int i = 0; i < 16; i++) begin
        bpos = pos_q + PosW'(i);
        tpos = bpos - d.dgram_end;
        if (bpos < d.hdr_len) begin
          out_data[8*i +: 8] = d.hdr[8*bpos +: 8];
        end else if (bpos < d.dgram_end) begin
          out_data[8*i +: 8] = (in_done_q || !s_valid_i) ? 8'h00 : s_data_i[8*i +: 8];
        end else if (tpos < PosW'(d.pad)) begin
          out_data[8*i +: 8] = 8'(tpos) + 8'd1;
        end else if (tpos == PosW'(d.pad)) begin
          out_data[8*i +: 8] = {6'b0, d.pad};
        end else if (tpos == PosW'(d.pad) + PosW'(1)) begin
          out_data[8*i +: 8] = d.next_proto;
        end else begin
          out_data[8*i +: 8] = 8'h00;  // ICV, written by esp_gcm
        end
        out_keep[i] = bpos < d.out_len;
      end
    end
  end

  // Late errors, known with the frame's last input beat: a MAC error or an oversize frame
  // (before classification), or a datagram longer than its frame.
  assign mac_err   = (s_last_i && take_in ? s_user_i : user_q) || frame_len > PosW'(MaxFrame);
  assign truncated = encrypt && frame_len < d.in_needed;
  assign abort     = mac_err || truncated;

  assign s_ready_o = take_in;
  assign m_valid_o = give_out;
  assign m_data_o  = out_data;
  assign m_keep_o  = out_keep;
  assign m_last_o  = final_beat;
  assign m_abort_o = abort;

  always_comb begin
    m_ctx_o.mode       = encrypt ? esp_pkg::GcmEncrypt : esp_pkg::GcmNone;
    m_ctx_o.key        = d.key;
    m_ctx_o.key256     = d.key256;
    m_ctx_o.nonce      = d.nonce;
    m_ctx_o.aad        = d.aad;
    m_ctx_o.aad12      = d.aad12;
    m_ctx_o.text_start = d.text_start;
    m_ctx_o.text_len   = d.text_len;
  end

  // The frame is done when its last output beat (or, dropped, its last input beat) goes.
  logic frame_done;
  assign frame_done = drop ? (take_in && s_last_i) : (give_out && final_beat);
  assign dec_pop_o  = frame_done;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      pos_q      <= '0;
      in_bytes_q <= '0;
      in_done_q  <= 1'b0;
      user_q     <= 1'b0;
    end else if (frame_done) begin
      pos_q      <= '0;
      in_bytes_q <= '0;
      in_done_q  <= 1'b0;
      user_q     <= 1'b0;
    end else begin
      if (give_out) pos_q <= pos_q + PosW'(16);
      if (take_in) begin
        in_bytes_q <= in_bytes;
        if (s_last_i) begin
          in_done_q <= 1'b1;
          user_q    <= s_user_i;
        end
      end
    end
  end

  // Counters (contract section 4): one fate per frame, enc_in for classified frames.
  always_comb begin
    cnt_enc_in_o     = frame_done && d.classified && !mac_err;
    cnt_enc_out_o    = frame_done && encrypt && !abort;
    cnt_enc_bypass_o = frame_done && bypass && !abort;
    cnt_enc_drop_o   = frame_done && (drop || abort);
  end

endmodule
