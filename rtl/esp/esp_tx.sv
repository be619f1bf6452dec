// The TX direction (host to wire), contract section 6: frames wait in a FIFO while the
// parser reads their heads and looks up their SAs; the metadata is stripped, the frame
// edited (header, trailer, room for the ICV) and encrypted in place by esp_gcm.
// The pipeline up to esp_gcm is cut-through; its output is stored and forwarded: a frame
// goes on the wire only once the whole of it is in the wire buffer, and then gap-free, one
// beat per clock (the MAC cannot pause a frame it has begun: the wire never underruns,
// whatever pauses the host makes). Latency is counted from a frame's last beat in
// (docs/architecture.md, "TX: the wire buffer").
module esp_tx #(
  parameter int MaxFrame = 9216
) (
  input  logic              clk_i,
  input  logic              rst_ni,

  // Host TX in.
  input  logic              s_axis_tvalid_i,
  output logic              s_axis_tready_o,
  input  logic [127:0]      s_axis_tdata_i,
  input  logic [15:0]       s_axis_tkeep_i,
  input  logic              s_axis_tlast_i,
  input  logic              s_axis_tuser_i,

  // Wire TX out; tuser on the last beat marks a frame the MAC must discard.
  output logic              m_axis_tvalid_o,
  input  logic              m_axis_tready_i,
  output logic [127:0]      m_axis_tdata_o,
  output logic [15:0]       m_axis_tkeep_o,
  output logic              m_axis_tlast_o,
  output logic              m_axis_tuser_o,

  output logic              lkp_valid_o,
  output sadb_pkg::sa_key_t lkp_key_o,
  input  logic              res_valid_i,
  input  logic              res_hit_i,
  input  sadb_pkg::sa_ctx_t res_ctx_i,

  output logic              cnt_enc_in_o,
  output logic              cnt_enc_out_o,
  output logic              cnt_enc_bypass_o,
  output logic              cnt_enc_drop_o
);

  typedef struct packed {
    logic         user;
    logic         last;
    logic [15:0]  keep;
    logic [127:0] data;
  } beat_t;

  // ---- input FIFO, with the parser reading heads as they enter --------------------------
  beat_t in_beat, fifo_head;
  logic  fifo_empty, fifo_afull, in_fire, dec_room;

  assign in_beat.user = s_axis_tuser_i;
  assign in_beat.last = s_axis_tlast_i;
  assign in_beat.keep = s_axis_tkeep_i;
  assign in_beat.data = s_axis_tdata_i;
  assign s_axis_tready_o = !fifo_afull && dec_room;
  assign in_fire = s_axis_tvalid_i && s_axis_tready_o;

  logic strip_ready;

  sync_fifo #(.Width($bits(in_beat)), .Depth(32)) u_inq (
    .clk_i, .rst_ni,
    .push_i (in_fire), .data_i (in_beat),
    .pop_i  (!fifo_empty && strip_ready), .data_o (fifo_head),
    .empty_o (fifo_empty), .full_o (), .almost_full_o (fifo_afull), .count_o ()
  );

  esp_pkg::tx_decision_t dec;
  logic dec_valid, dec_pop;

  esp_tx_parse #(.MaxFrame(MaxFrame)) u_parse (
    .clk_i, .rst_ni,
    .in_fire_i (in_fire), .in_data_i (s_axis_tdata_i), .in_keep_i (s_axis_tkeep_i),
    .in_last_i (s_axis_tlast_i), .in_user_i (s_axis_tuser_i),
    .lkp_valid_o, .lkp_key_o, .res_valid_i, .res_hit_i, .res_ctx_i,
    .dec_valid_o (dec_valid), .dec_pop_i (dec_pop), .dec_o (dec), .dec_room_o (dec_room)
  );

  // ---- metadata off ------------------------------------------------------------------------------
  logic         st_valid, st_ready, st_last, st_user;
  logic [127:0] st_data;
  logic [15:0]  st_keep;

  esp_tx_strip u_strip (
    .clk_i, .rst_ni,
    .s_valid_i (!fifo_empty), .s_ready_o (strip_ready), .s_data_i (fifo_head.data),
    .s_keep_i (fifo_head.keep), .s_last_i (fifo_head.last), .s_user_i (fifo_head.user),
    .m_valid_o (st_valid), .m_ready_i (st_ready), .m_data_o (st_data), .m_keep_o (st_keep),
    .m_last_o (st_last), .m_user_o (st_user)
  );

  // ---- edit, then encrypt ------------------------------------------------------------------------
  logic              ed_valid, ed_ready, ed_last, ed_abort_valid, ed_abort;
  logic [127:0]      ed_data;
  logic [15:0]       ed_keep;
  esp_pkg::gcm_ctx_t ed_ctx;
  logic              gcm_ready, abort_afull, abort_empty, abort_head;
  logic [5:0]        abort_count;

  // The abort queue's room as a register, two frames of margin: for the push it may take
  // on the clock it is computed, and the abort mark, which follows a frame's last beat a
  // clock later. The edit's ready is then two registers' AND.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) abort_afull <= 1'b0;
    else         abort_afull <= abort_count >= 6'd30;
  end

  assign ed_ready = gcm_ready && !abort_afull;

  esp_tx_edit #(.MaxFrame(MaxFrame)) u_edit (
    .clk_i, .rst_ni,
    .s_valid_i (st_valid), .s_ready_o (st_ready), .s_data_i (st_data), .s_keep_i (st_keep),
    .s_last_i (st_last), .s_user_i (st_user),
    .dec_valid_i (dec_valid), .dec_pop_o (dec_pop), .dec_i (dec),
    .m_valid_o (ed_valid), .m_ready_i (ed_ready), .m_data_o (ed_data), .m_keep_o (ed_keep),
    .m_last_o (ed_last), .m_ctx_o (ed_ctx),
    .m_abort_valid_o (ed_abort_valid), .m_abort_o (ed_abort),
    .cnt_enc_in_o, .cnt_enc_out_o, .cnt_enc_bypass_o, .cnt_enc_drop_o
  );

  // Whether each frame out of esp_gcm must be discarded by the MAC, in frame order (its
  // mark comes a clock after its last beat went in, long before that beat leaves).
  logic         gc_valid, gc_ready, gc_last, gc_user;
  logic [127:0] gc_data;
  logic [15:0]  gc_keep;

  sync_fifo #(.Width(1), .Depth(32)) u_abortq (
    .clk_i, .rst_ni,
    .push_i (ed_abort_valid), .data_i (ed_abort),
    .pop_i  (gc_valid && gc_ready && gc_last), .data_o (abort_head),
    .empty_o (abort_empty), .full_o (), .almost_full_o (), .count_o (abort_count)
  );

  esp_pkg::gcm_status_t unused_status;
  logic                 unused_status_valid;

  esp_gcm #(.Decrypt(1'b0)) u_gcm (
    .clk_i, .rst_ni,
    .s_valid_i (ed_valid && !abort_afull), .s_ready_o (gcm_ready), .s_data_i (ed_data),
    .s_keep_i (ed_keep), .s_last_i (ed_last), .s_ctx_i (ed_ctx),
    .m_valid_o (gc_valid), .m_ready_i (gc_ready), .m_data_o (gc_data),
    .m_keep_o (gc_keep), .m_last_o (gc_last),
    .st_valid_o (unused_status_valid), .st_ready_i (1'b1), .st_o (unused_status)
  );

  assign gc_user = gc_last && !abort_empty && abort_head;

`ifdef IPSEC_ASSERTIONS
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (!(gc_valid && gc_last) || !abort_empty)
        else $error("%m: a frame leaves esp_gcm before its abort mark");
    end
  end
`endif

  // ---- the wire buffer: store and forward ----------------------------------------------------
  // Sized for two of the largest frames that can leave (MaxFrame with its metadata gone and
  // the largest trailer and the ICV added), so that one leaves while the next one fills and
  // MaxFrame frames back to back keep one beat per clock: 2 x 577 beats of 16 bytes for
  // 9,216-byte frames, a 2,048-beat ring in block RAM.
  localparam int MaxOutBeats = (MaxFrame - esp_pkg::MetaBytes + 3 + 2 + esp_pkg::IcvBytes + 15) / 16;
  localparam int WireDepth   = 2 ** $clog2(2 * MaxOutBeats);

  stream_frame_fifo #(.DataW(144), .Depth(WireDepth), .MaxFrames(32)) u_wire_buf (
    .clk_i, .rst_ni,
    .s_valid_i (gc_valid), .s_ready_o (gc_ready), .s_data_i ({gc_keep, gc_data}),
    .s_last_i (gc_last), .s_user_i (gc_user),
    .m_valid_o (m_axis_tvalid_o), .m_ready_i (m_axis_tready_i),
    .m_data_o ({m_axis_tkeep_o, m_axis_tdata_o}), .m_last_o (m_axis_tlast_o),
    .m_user_o (m_axis_tuser_o)
  );

  // Handshake checks between the blocks (simulation with assertions only).
  stream_check #(.DataW(146), .Name("esp_tx strip -> edit")) u_check_strip (
    .clk_i, .rst_ni, .valid_i (st_valid), .ready_i (st_ready),
    .beat_i ({st_data, st_keep, st_last, st_user}));
  stream_check #(.DataW(145), .Name("esp_tx edit -> gcm")) u_check_edit (
    .clk_i, .rst_ni, .valid_i (ed_valid), .ready_i (ed_ready),
    .beat_i ({ed_data, ed_keep, ed_last}));
  // The wire never underruns: valid stays high from a frame's first beat to its last.
  stream_gapless_check #(.Name("wire TX out")) u_check_gapless (
    .clk_i, .rst_ni, .valid_i (m_axis_tvalid_o), .ready_i (m_axis_tready_i),
    .last_i (m_axis_tlast_o));
  stream_check #(.DataW(146), .Name("esp_tx gcm -> wire buffer")) u_check_gcm (
    .clk_i, .rst_ni, .valid_i (gc_valid), .ready_i (gc_ready),
    .beat_i ({gc_data, gc_keep, gc_last, gc_user}));

endmodule
