// First-word-fall-through FIFO whose head is a register: for a consumer that decides on the
// head, so that its decision starts at a flip-flop rather than at a LUTRAM read, and whose
// pop reaches only that register's valid bit, never the queue's pointers.
//
// The head is refilled from the queue behind it (a `sync_fifo`) only while it is empty, so
// the queue's pointers depend on registers and the push alone. With Bypass, an entry pushed
// while the head is empty and the queue behind it too goes straight into the head: it is at
// the output the clock after its push, as in a `sync_fifo`; without, every entry passes
// through the queue (two clocks), and `data_i` reaches nothing but the queue's LUTRAM, for a
// producer whose data is deep logic already. After a pop, the next entry waiting behind
// comes a clock later: at most one pop every other clock when entries wait (the users pop
// once per frame).
//
// Capacity: the head and Depth entries behind it; `almost_full_o` is the queue's (Depth - 1
// entries behind the head or more), a function of registers only.
module head_fifo #(
  parameter int Width = 8,
  parameter int Depth = 8,  // a power of two
  parameter bit Bypass = 1'b1
) (
  input  logic             clk_i,
  input  logic             rst_ni,

  input  logic             push_i,
  input  logic [Width-1:0] data_i,
  input  logic             pop_i,   // only while valid_o
  output logic             valid_o,
  output logic [Width-1:0] data_o,

  output logic             almost_full_o
);

  logic             head_valid_q;
  logic [Width-1:0] head_q, q_data;
  logic             q_empty, direct, refill;

  assign direct = Bypass && push_i && !head_valid_q && q_empty;
  assign refill = !head_valid_q && !q_empty;

  sync_fifo #(.Width(Width), .Depth(Depth)) u_queue (
    .clk_i, .rst_ni,
    .push_i (push_i && !direct), .data_i,
    .pop_i  (refill), .data_o (q_data),
    .empty_o (q_empty), .full_o (), .almost_full_o, .count_o ()
  );

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) head_valid_q <= 1'b0;
    else         head_valid_q <= direct || refill || (head_valid_q && !pop_i);
  end

  always_ff @(posedge clk_i) begin
    if (direct || refill) head_q <= direct ? data_i : q_data;
  end

  assign valid_o = head_valid_q;
  assign data_o  = head_q;

`ifdef IPSEC_ASSERTIONS
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (!(pop_i && !head_valid_q)) else $error("%m: pop of an empty head");
    end
  end
`endif

endmodule
