// Store-and-forward frame FIFO: a frame leaves only once its last beat is stored, and then
// every beat of it is offered on consecutive clocks (valid never falls inside a frame,
// whatever pauses the source made); only the sink's ready can hold a frame back. This is
// what a transmit MAC needs: once a frame has begun on the line, it cannot wait.
//
// Storage: a ring of Depth beats in block RAM (sdp_ram: one write port, one read port,
// synchronous read). Frames are stored back to back; the read side follows a committed
// pointer (the end of the last complete frame), so it reads only complete frames, and frees
// each beat as it reads it. A ring of two largest frames keeps one beat per clock: one frame
// leaves while the next one fills.
//
// A frame longer than Depth / 2 beats cannot be allowed to fill the ring (it would never
// complete): its first Depth / 2 - 1 beats are kept, the beats after them dropped, its last
// beat stored after them with `user` set, so that the sink discards it.
//
// Latency: a frame's first beat is offered 3 clocks after its last beat is stored.
// Timing: ready and valid come from registers; the deepest logic is the read issue (a
// pointer compare and a small count) into the RAM's enable and address.
module stream_frame_fifo #(
  parameter int DataW     = 144,   // payload of a beat (data, keep, ...), without last and user
  parameter int Depth     = 2048,  // beats, a power of two; two largest frames
  parameter int MaxFrames = 32     // complete frames stored at once, at most (the frames
                                   // inside the engine stay bounded when the sink stalls)
) (
  input  logic             clk_i,
  input  logic             rst_ni,

  input  logic             s_valid_i,
  output logic             s_ready_o,
  input  logic [DataW-1:0] s_data_i,
  input  logic             s_last_i,
  input  logic             s_user_i,   // with s_last_i: the frame is to be discarded

  output logic             m_valid_o,
  input  logic             m_ready_i,
  output logic [DataW-1:0] m_data_o,
  output logic             m_last_o,
  output logic             m_user_o
);

  localparam int AddrW   = $clog2(Depth);
  localparam int CapBeat = Depth / 2 - 1;  // index of the last beat a frame may keep
  localparam int FramesW = $clog2(MaxFrames + 1);
  localparam int OutQ    = 4;              // beats read ahead of the sink

  typedef struct packed {
    logic             user;
    logic             last;
    logic [DataW-1:0] data;
  } beat_t;

  // Pointers with a wrap bit: wr (next beat written), commit (end of the last complete
  // frame), rd (next beat read from the RAM).
  logic [AddrW:0]   wr_q, commit_q, rd_q, used;
  logic [AddrW-1:0] beat_q;      // beats of the frame being stored so far
  logic             at_cap_q;    // beat_q == CapBeat: only the last beat is stored now
  logic             cut_q;       // beats of this frame were dropped
  logic             ready_q;
  logic [FramesW-1:0] frames_q;  // complete frames not yet wholly out
  logic             take, we, commit;
  beat_t            wbeat;

  assign take   = s_valid_i && ready_q;
  assign we     = take && (s_last_i || !at_cap_q);
  assign commit = take && s_last_i;

  assign wbeat.user = s_last_i && (s_user_i || cut_q);
  assign wbeat.last = s_last_i;
  assign wbeat.data = s_data_i;

  // Room for two more beats (ready is registered: one may be taken on the clock it falls)
  // and for two more frames.
  assign used = wr_q - rd_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      wr_q     <= '0;
      commit_q <= '0;
      beat_q   <= '0;
      at_cap_q <= 1'b0;
      cut_q    <= 1'b0;
      ready_q  <= 1'b0;
    end else begin
      ready_q <= used < (AddrW+1)'(Depth - 1) && frames_q < FramesW'(MaxFrames - 1);
      if (we) wr_q <= wr_q + 1'b1;
      if (commit) begin
        commit_q <= wr_q + 1'b1;
        beat_q   <= '0;
        at_cap_q <= 1'b0;
        cut_q    <= 1'b0;
      end else if (take) begin
        if (at_cap_q) begin
          cut_q <= 1'b1;
        end else begin
          beat_q   <= beat_q + 1'b1;
          at_cap_q <= beat_q == AddrW'(CapBeat - 1);
        end
      end
    end
  end

  // ---- the ring -----------------------------------------------------------------------------
  logic  issue, rvalid_q;
  beat_t rbeat;

  sdp_ram #(.Width($bits(rbeat)), .Depth(Depth)) u_ram (
    .clk_i,
    .we_i (we), .waddr_i (wr_q[AddrW-1:0]), .wdata_i (wbeat),
    .re_i (issue), .raddr_i (rd_q[AddrW-1:0]), .rdata_o (rbeat)
  );

  // ---- read ahead into a small queue the sink takes from --------------------------------------
  // A read is issued while a complete frame has beats left to read and the queue has room
  // for it behind the beat already read: count + in flight <= OutQ - 2 keeps count + in
  // flight <= OutQ, and a steady one read per clock while the sink takes one per clock.
  logic                 oq_empty, pop;
  logic [$clog2(OutQ):0] oq_count;
  beat_t                oq_head;

  assign issue = rd_q != commit_q &&
                 oq_count + {{$clog2(OutQ){1'b0}}, rvalid_q} <= ($clog2(OutQ)+1)'(OutQ - 2);

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      rd_q     <= '0;
      rvalid_q <= 1'b0;
    end else begin
      rvalid_q <= issue;
      if (issue) rd_q <= rd_q + 1'b1;
    end
  end

  sync_fifo #(.Width($bits(rbeat)), .Depth(OutQ)) u_outq (
    .clk_i, .rst_ni,
    .push_i (rvalid_q), .data_i (rbeat),
    .pop_i  (pop), .data_o (oq_head),
    .empty_o (oq_empty), .full_o (), .almost_full_o (), .count_o (oq_count)
  );

  assign m_valid_o = !oq_empty;
  assign pop       = m_valid_o && m_ready_i;
  assign m_data_o  = oq_head.data;
  assign m_last_o  = oq_head.last;
  assign m_user_o  = oq_head.user;

  // frames_q + commit - (a frame's last beat out), the commit and the pop in the last LUT
  // only (count_step).
  logic               frame_in, frame_out;
  logic [FramesW-1:0] frames_d;

  assign frame_in  = commit;
  assign frame_out = pop && oq_head.last;

  count_step #(.Width(FramesW)) u_frames (
    .x_i (frames_q), .up_i (frame_in), .down_i (frame_out), .y_o (frames_d)
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) frames_q <= '0;
    else         frames_q <= frames_d;
  end

  assign s_ready_o = ready_q;

`ifdef IPSEC_ASSERTIONS
  // The ring never holds more than Depth beats, and the read side never passes the end of
  // the last complete frame.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (used <= (AddrW+1)'(Depth)) else $error("%m: ring overrun (%0d beats)", used);
      assert (commit_q - rd_q <= used) else $error("%m: read past the last complete frame");
    end
  end
`endif

`ifdef FORMAL
  // Formal properties (make formal, docs/formal.md). As the proof's top
  // (FORMAL_STREAM_FRAME_FIFO) the source is assumed to keep the AXI4-Stream rules; the sink
  // may stall at will.
  logic f_past_q = 1'b0;
  always_ff @(posedge clk_i) f_past_q <= 1'b1;

`ifdef FORMAL_STREAM_FRAME_FIFO
  initial assume (!rst_ni);
  always_ff @(posedge clk_i) begin
    if (f_past_q && $past(rst_ni) && rst_ni && $past(s_valid_i && !s_ready_o)) begin
      assume (s_valid_i);
      assume ({s_data_i, s_last_i, s_user_i} == $past({s_data_i, s_last_i, s_user_i}));
    end
  end
`endif

  // Beats inside, in order: the ring's unread beats, the one being read, the queue's.
  logic [AddrW+1:0] f_inside;
  assign f_inside = (AddrW+2)'(used) + (AddrW+2)'(rvalid_q) + (AddrW+2)'(oq_count);

  // Beats of the frame arriving taken so far (saturating past the cut), counted here apart
  // from the block's own counter.
  logic [AddrW:0] f_in_idx_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)                     f_in_idx_q <= '0;
    else if (commit)                 f_in_idx_q <= '0;
    else if (take && f_in_idx_q <= (AddrW+1)'(CapBeat)) f_in_idx_q <= f_in_idx_q + 1'b1;
  end

  // One stored beat, chosen by the solver (any of them), is followed to the output: the beats
  // ahead of it are counted down as they leave.
  (* anyseq *) logic f_pick;
  logic [1:0]       f_state_q;  // 0: not chosen yet, 1: inside, 2: left
  beat_t            f_beat_q;
  logic [AddrW+1:0] f_ahead_q;

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_state_q <= 2'd0;
    end else if (f_state_q == 2'd0) begin
      if (we && f_pick) begin
        f_state_q <= 2'd1;
        // What the source offered (not the block's own copy of it), with the mark the
        // documented cut gives.
        f_beat_q.data <= s_data_i;
        f_beat_q.last <= s_last_i;
        f_beat_q.user <= s_last_i && (s_user_i || f_in_idx_q > (AddrW+1)'(CapBeat));
        f_ahead_q <= f_inside - (AddrW+2)'(pop);
      end
    end else if (f_state_q == 2'd1 && pop) begin
      if (f_ahead_q == '0) f_state_q <= 2'd2;
      else                 f_ahead_q <= f_ahead_q - 1'b1;
    end
  end

  // Inside a frame at the output: a beat of it taken, its last not yet.
  logic f_out_in_frame_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)  f_out_in_frame_q <= 1'b0;
    else if (pop) f_out_in_frame_q <= !m_last_o;
  end

  always_comb begin
    if (rst_ni) begin
      assert (f_state_q != 2'd3);
      // No overflow, no underflow: the ring holds at most Depth beats, the read side stays
      // behind the end of the last complete frame, the queue is never pushed when full.
      assert (wr_q - rd_q <= (AddrW+1)'(Depth));
      assert (commit_q - rd_q <= wr_q - rd_q);
      assert (!(rvalid_q && oq_count == ($clog2(OutQ)+1)'(OutQ)));
      // Occupancy: at most MaxFrames complete frames inside, and none exactly when nothing
      // of a complete frame is left to read or to take.
      assert (frames_q <= FramesW'(MaxFrames));
      assert ((frames_q == '0) == (rd_q == commit_q && !rvalid_q && oq_empty));
      // The cut, as documented: a taken beat is dropped exactly when it is not a frame's last
      // and its frame has CapBeat beats stored already.
      if (take) assert (we == (s_last_i || f_in_idx_q < (AddrW+1)'(CapBeat)));
      // The followed beat is among those inside, and leaves as it came (its frame's `user`
      // set when beats of that frame were cut).
      if (f_state_q == 2'd1) assert (f_ahead_q < f_inside);
      if (f_state_q == 2'd1 && f_ahead_q == '0 && m_valid_o) begin
        assert (m_data_o == f_beat_q.data);
        assert (m_last_o == f_beat_q.last);
        assert (m_user_o == f_beat_q.user);
      end
      // Gapless: once a frame's first beat is taken, valid stays high to its last.
      if (f_out_in_frame_q) assert (m_valid_o);
    end
  end

  // The stamp of a stored beat, checked at its arrival against the counter kept here.
  always_comb begin
    if (rst_ni && we) begin
      assert (wbeat.user == (s_last_i && (s_user_i || f_in_idx_q > (AddrW+1)'(CapBeat))));
    end
  end

  // The output keeps the AXI4-Stream rules: valid and the beat hold until taken.
  always_ff @(posedge clk_i) begin
    if (f_past_q && $past(rst_ni) && rst_ni && $past(m_valid_o && !m_ready_i)) begin
      assert (m_valid_o);
      assert ({m_data_o, m_last_o, m_user_o} == $past({m_data_o, m_last_o, m_user_o}));
    end
  end

  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      cover (f_state_q == 2'd2 && f_beat_q.last);             // a followed frame end left
      cover (pop && m_last_o && m_user_o && !s_ready_o);      // a cut frame left, input full
      cover (pop && take && f_past_q && $past(pop && take));  // in and out at full rate
      cover (frames_q == FramesW'(MaxFrames - 1));
    end
  end
`endif

endmodule
