// GHASH (NIST SP 800-38D section 6.4) over a stream of messages, one 128-bit block per
// clock, with the multiplier cut in two register stages.
//
// GHASH(X_1..X_n) = X_1 H^n + X_2 H^(n-1) + ... + X_n H. One accumulator Y = (Y + X) H cannot
// take a block per clock through a two-stage multiplier: each product is needed on the next
// clock. So blocks go alternately to two accumulators (two lanes), each multiplying by H^2:
// a block meets the product of the block two before it just as that product leaves the
// multiplier. The last block is multiplied by H instead, and the message's hash is the sum
// of the two lanes' last products: block i is multiplied by H^2 once for each later block of
// its lane and then by H^2 or H, which makes H^(n-i+1) in all (aggregated reduction). H^2 is
// computed from H as the message's first block enters (squaring is a linear map).
//
// Stages (all advance together on `step_i`):
//   in:   the block plus the product two blocks back (joined, reduced mod P(x) and split for
//         Karatsuba on its way in), split for Karatsuba; its message's H and H^2 (loaded with
//         its first block), split, and of them the block's multiplier (H for the last block)
//   mul:  that sum times that multiplier: nine 32 x 32 carry-less products (the lane's new value,
//         unreduced)
//   red:  join of the nine products and reduction mod P(x), for the hash
// and one clock later `hash_valid_o` with the message's hash.
//
// The caller's rule: between the first and the last block of a message, step only with a
// block (`valid_i`), which keeps the lanes in step; between messages the pipe may step empty,
// and must, two steps after a message's last block, for its hash to come out. The first step
// after reset is an empty one.
module ghash (
  input  logic         clk_i,
  input  logic         rst_ni,

  input  logic         step_i,
  input  logic         valid_i,      // a block enters with this step
  input  logic         first_i,      // the first block of its message
  input  logic         last_i,       // the last block of its message (the length block)
  input  logic [127:0] block_i,      // GCM bit order
  input  logic [127:0] h_i,          // H of the message, with its first block

  output logic         hash_valid_o, // one clock per message
  output logic [127:0] hash_o
);

  // ---- GF(2^128) arithmetic (SP 800-38D section 6.3), cut for the pipeline ---------------
  // Bit order: bit 127 is the coefficient of x^0, bit 0 that of x^127 (block byte 0 in
  // [127:120], most significant bit first). The carry-less product of two such vectors,
  // taken as plain integers, is the polynomial product with its bits reflected the same way,
  // so no bit reversal is needed; the reduction shifts right instead of left.

  // Two levels of Karatsuba: a 128-bit operand gives nine 32-bit operands, piece 3*i + j
  // for the 64-bit half i (0: high, 1: low, 2: high ^ low) and its 32-bit half j (same).
  function automatic logic [287:0] kara_split(input logic [127:0] a);
    logic [3*64-1:0] h;  // packed: Yosys evaluates this at elaboration
    logic [287:0] s;
    h[0 +: 64]   = a[127:64];
    h[64 +: 64]  = a[63:0];
    h[128 +: 64] = a[127:64] ^ a[63:0];
    for (int i = 0; i < 3; i++) begin
      s[32*(3*i + 0) +: 32] = h[64*i + 32 +: 32];
      s[32*(3*i + 1) +: 32] = h[64*i +: 32];
      s[32*(3*i + 2) +: 32] = h[64*i + 32 +: 32] ^ h[64*i +: 32];
    end
    kara_split = s;
  endfunction

  // The 64 x 64 product of three 32 x 32 ones (high, low, middle).
  function automatic logic [126:0] kara_join64(input logic [62:0] hi, input logic [62:0] lo,
                                               input logic [62:0] mid);
    logic [62:0] mixed;
    mixed = mid ^ hi ^ lo;
    kara_join64 = {hi, 64'b0} ^ {32'b0, mixed, 32'b0} ^ {64'b0, lo};
  endfunction

  // The full product of the nine pieces' products (piece order of kara_split), as
  // V = {product, 1'b0}: V bit (255 - d) holds x^d.
  function automatic logic [255:0] kara_join(input logic [9*63-1:0] p);
    logic [126:0] q0, q1, q2, mixed;  // no unpacked array: Yosys evaluates this at elaboration
    q0 = kara_join64(p[63*0 +: 63], p[63*1 +: 63], p[63*2 +: 63]);
    q1 = kara_join64(p[63*3 +: 63], p[63*4 +: 63], p[63*5 +: 63]);
    q2 = kara_join64(p[63*6 +: 63], p[63*7 +: 63], p[63*8 +: 63]);
    mixed = q2 ^ q0 ^ q1;
    kara_join = {q0, 129'b0} ^ {64'b0, mixed, 65'b0} ^ {128'b0, q1, 1'b0};
  endfunction

  // V mod P(x), P(x) = x^128 + x^7 + x^2 + x + 1. V[255:128] holds x^0..x^127, V[127:0]
  // holds H = x^128..x^255 (shifted down by 128). x^128 = x^7 + x^2 + x + 1, so
  // H * x^128 = H + H*x + H*x^2 + H*x^7: in reflected order a multiplication by x is a shift
  // right. E holds that sum over 135 bits; its last 7 bits (x^128..x^134) are folded once
  // more.
  function automatic logic [127:0] reduce(input logic [255:0] v);
    logic [127:0] h;
    logic [134:0] e;
    logic [6:0]   g;
    logic [127:0] fold;
    h    = v[127:0];
    e    = {h, 7'b0} ^ {1'b0, h, 6'b0} ^ {2'b0, h, 5'b0} ^ {7'b0, h};
    g    = e[6:0];
    fold = {g, 121'b0} ^ {1'b0, g, 120'b0} ^ {2'b0, g, 119'b0} ^ {7'b0, g, 114'b0};
    reduce = v[255:128] ^ e[134:7] ^ fold;
  endfunction

  // a^2: over GF(2) squaring spreads the coefficients (x^i -> x^2i), then reduces. Every
  // output bit is the XOR of a few input bits.
  function automatic logic [127:0] square(input logic [127:0] a);
    logic [255:0] v;
    v = '0;
    // Coefficient of x^i is a[127 - i]; x^2i lives at V bit 255 - 2i.
    for (int i = 0; i < 128; i++) v[255 - 2*i] = a[127 - i];
    square = reduce(v);
  endfunction

  typedef struct packed {
    logic valid;
    logic first;
    logic last;
  } ctl_t;

  // ---- in: the block plus its lane's value, and the message's key powers, split -----------
  // A block meets the product of the block two steps back when both that block and the one
  // between are of its message. That product is joined, reduced, split and added to the
  // block here, so that the lane's loop is the multiplier (mul) and this sum of product bits
  // (in), each from registers. The product comes from a copy of the multiplier's register
  // kept zero when it is not to be met (`lane_q`), so that the sum has no condition in it.
  ctl_t         in_q;
  logic [287:0] a_q, h_q, h2_q;
  logic [9*63-1:0] lane_q;     // the product two steps back if the entering block meets it

  ctl_t in_d;
  always_comb begin
    in_d.valid = valid_i;
    in_d.first = first_i;
    in_d.last  = last_i;
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)     in_q <= '0;
    else if (step_i) in_q <= in_d;
  end

  // The lane's value, split: kara_split(reduce(kara_join(lane_q))), a linear map of the
  // product bits.
  logic [287:0] lane_split;

`ifdef SYNTHESIS
  // For synthesis each bit is written as one XOR of the product bits it depends on (at most
  // 54), a balanced tree over those bits alone: the steps as written (join, reduce, split)
  // are about fifteen XOR2 deep, and the mapper does not reshape XORs much. The bits are
  // listed at elaboration from the same functions (column j of the map: the image of product
  // bit j).
  localparam int ProdW = 9*63;
  localparam int MaxTerms = 64;

  function automatic logic [288*ProdW-1:0] split_columns();
    logic [288*ProdW-1:0] m;
    for (int j = 0; j < ProdW; j++) m[288*j +: 288] = kara_split(reduce(kara_join(ProdW'(1) << j)));
    split_columns = m;
  endfunction
  localparam logic [288*ProdW-1:0] SplitCols = split_columns();

  // Row i as a list: the product bits' indices (10 bits each), then their count.
  function automatic logic [10*MaxTerms+7:0] split_terms(input int i);
    logic [10*MaxTerms-1:0] idx;
    int n;
    idx = '0;
    n = 0;
    for (int j = 0; j < ProdW; j++) begin
      if (SplitCols[288*j + i]) begin
        idx[10*n +: 10] = j[9:0];
        n = n + 1;
      end
    end
    split_terms = {n[7:0], idx};
  endfunction

  for (genvar i = 0; i < 288; i++) begin : gen_split
    localparam logic [10*MaxTerms+7:0] Terms = split_terms(i);
    localparam int N = 32'(Terms[10*MaxTerms +: 8]);
    logic [N-1:0] t;
    for (genvar k = 0; k < N; k++) begin : gen_t
      assign t[k] = lane_q[Terms[10*k +: 10]];
    end
    assign lane_split[i] = ^t;
  end
`else
  assign lane_split = kara_split(reduce(kara_join(lane_q)));
`endif

  // The entering block's multiplier, H^2 or H for its message's last, is chosen here, so that
  // the multiplier starts from registers alone. (H and H^2 from h_i are computed in this
  // block, under the first block's step, not in an `assign`: a Verilated model evaluates an
  // assign on every clock.)
  logic [287:0] b_q;

  always_ff @(posedge clk_i) begin
    if (step_i) begin
      a_q <= kara_split(block_i) ^ lane_split;
      if (valid_i && first_i) begin
        h_q  <= kara_split(h_i);
        h2_q <= kara_split(square(h_i));
        b_q  <= last_i ? kara_split(h_i) : kara_split(square(h_i));
      end else begin
        b_q  <= last_i ? h_q : h2_q;
      end
    end
  end

  // ---- mul: (block + lane's value) times H^2, or H for the last block ----------------------
  ctl_t         mul_q;
  logic [287:0] a, b;
  logic [9*63-1:0] prod, prod_q;

  assign a = a_q;
  assign b = b_q;

  for (genvar k = 0; k < 9; k++) begin : gen_clmul
    gf128_clmul32 u_clmul (
      .a_i (a[32*k +: 32]),
      .b_i (b[32*k +: 32]),
      .p_o (prod[63*k +: 63])
    );
  end

  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)     mul_q <= '0;
    else if (step_i) mul_q <= in_q;
  end

  always_ff @(posedge clk_i) begin
    if (step_i) prod_q <= prod;
  end

  // The block entering next meets this product unless this block is its message's last, or
  // the next one is (it, or the one after it, then begins a message), or this step is empty
  // (inside a message every step has a block). The zero is the flip-flops' synchronous reset,
  // beside the multiplier rather than a LUT after it; so the register has no asynchronous
  // one (an FDCE has no synchronous reset). The caller's first step after reset carries no
  // block (the caller's rule below), and zeroes it before any block can meet it.
  always_ff @(posedge clk_i) begin
    if (step_i) begin
      if (in_q.valid && !in_q.last && !last_i) lane_q <= prod;
      else                                     lane_q <= '0;
    end
  end

  /* verilator lint_off UNUSEDSIGNAL */
  logic stepped_q;  // a step since reset (read by the checking build's assertion and the proof)
  /* verilator lint_on UNUSEDSIGNAL */
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)     stepped_q <= 1'b0;
    else if (step_i) stepped_q <= 1'b1;
  end

  // ---- red: join and reduce, for the hash ----------------------------------------------------
  logic [127:0] red, red_q, red_prev_q;
  logic         done_q, with_prev_q;

  assign red = reduce(kara_join(prod_q));

  always_ff @(posedge clk_i) begin
    if (step_i) begin
      red_q      <= red;
      red_prev_q <= red_q;
    end
  end

  // The message's hash: its last product, plus the other lane's last (the block before the
  // last), unless the message has one block.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      done_q      <= 1'b0;
      with_prev_q <= 1'b0;
    end else begin
      done_q      <= step_i && mul_q.valid && mul_q.last;
      with_prev_q <= !mul_q.first;
    end
  end

  assign hash_valid_o = done_q;
  assign hash_o       = red_q ^ (with_prev_q ? red_prev_q : '0);

`ifdef IPSEC_ASSERTIONS
  // The caller's rule on the first step, which `lane_q`'s lack of a reset relies on.
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
    end else begin
      assert (!(step_i && valid_i && !stepped_q)) else $error("%m: a block on the first step after reset");
    end
  end
`endif

`ifdef FORMAL
  // Formal properties (make formal, docs/formal.md): one hash per message, in order, at the
  // documented latency; the lanes' bookkeeping; the data path with the multiplier left free.
  // As the proof's top (FORMAL_GHASH) the caller is assumed to keep the rule above, and the
  // 32 x 32 multipliers are replaced by free outputs (formal/gf128_clmul32_free.sv): the
  // properties hold whatever the products, so they are about where each value goes, not
  // about GF(2^128) arithmetic.
  logic f_open_q;  // a message's first block taken, its last not yet
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni)                  f_open_q <= 1'b0;
    else if (step_i && valid_i)   f_open_q <= !last_i;
  end

`ifdef FORMAL_GHASH
  initial assume (!rst_ni);
  always_comb begin
    if (rst_ni && step_i && !stepped_q) assume (!valid_i);  // the first step is empty
    if (rst_ni && step_i) begin
      if (f_open_q)     assume (valid_i && !first_i);  // inside a message: its blocks only
      else if (valid_i) assume (first_i);              // a message begins with its first
    end
  end
`endif

  // The documented latency, at the ports: a message's hash comes out (one clock of
  // hash_valid_o) the clock after the second step that follows the step taking its last
  // block, and never otherwise. So each message has exactly one hash, and they leave in order.
  logic f_last1_q, f_last2_q, f_done_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_last1_q <= 1'b0;
      f_last2_q <= 1'b0;
      f_done_q  <= 1'b0;
    end else begin
      if (step_i) begin
        f_last1_q <= valid_i && last_i;
        f_last2_q <= f_last1_q;
      end
      f_done_q <= step_i && f_last2_q;
    end
  end

  // A reference of the lanes from the ports: per step, the block taken, whether it was a
  // message's first, its message's H; the products (the multiplier's results, whatever they
  // are) as they leave the reduction.
  logic         f_v1_q, f_v2_q, f_first1_q, f_first2_q, f_first3_q, f_steps_q, f_hset_q;
  logic [127:0] f_x1_q, f_h_q, f_p1_q, f_p2_q;
  logic [1:0]   f_nsteps_q;
  always_ff @(posedge clk_i or negedge rst_ni) begin
    if (!rst_ni) begin
      f_v1_q     <= 1'b0;
      f_v2_q     <= 1'b0;
      f_first1_q <= 1'b0;
      f_first2_q <= 1'b0;
      f_first3_q <= 1'b0;
      f_nsteps_q <= '0;
      f_hset_q   <= 1'b0;
    end else if (step_i) begin
      f_v1_q     <= valid_i;
      f_v2_q     <= f_v1_q;
      f_first1_q <= valid_i && first_i;
      f_first2_q <= f_first1_q;
      f_first3_q <= f_first2_q;
      if (f_nsteps_q != 2'd3) f_nsteps_q <= f_nsteps_q + 1'b1;
      if (valid_i && first_i) f_hset_q <= 1'b1;
    end
  end
  always_ff @(posedge clk_i) begin
    if (step_i) begin
      f_x1_q <= block_i;
      if (valid_i && first_i) f_h_q <= h_i;
      f_p1_q <= red;
      f_p2_q <= f_p1_q;
    end
  end

  // The block entering the multiplier meets the product of the block two steps back when
  // that block is of its message (neither it nor the block between is a first), and is
  // multiplied by H^2, or by H when it is its message's last: blocks alternate between two
  // lanes, and the last goes by H.
  logic f_same2;
  assign f_same2 = !f_first1_q && !f_first2_q;

  always_comb begin
    if (rst_ni) begin
      assert (hash_valid_o == f_done_q);
      if (f_v1_q) begin
        assert (f_hset_q);
        assert (a == kara_split(f_x1_q ^ (f_same2 ? f_p1_q : '0)));
        assert (b == kara_split(f_last1_q ? f_h_q : square(f_h_q)));
      end
      // The hash is the last block's product plus, unless the message has one block, the
      // other lane's last (the block before).
      if (hash_valid_o) assert (hash_o == (f_p1_q ^ (f_first3_q ? '0 : f_p2_q)));
    end
  end

  // Helpers for the induction: the pipeline's registers are those of the reference.
  always_comb begin
    if (rst_ni) begin
      // (An empty step's first and last flags are free: they are not the reference's.)
      assert (in_q.valid == f_v1_q && mul_q.valid == f_v2_q);
      if (f_v1_q) assert (in_q.first == f_first1_q && in_q.last == f_last1_q);
      if (f_v2_q) assert (mul_q.first == f_first2_q && mul_q.last == f_last2_q);
      assert (!f_first2_q || f_v2_q);
      if (f_v1_q)   assert (f_nsteps_q != 2'd0);
      if (f_v2_q)   assert (f_nsteps_q > 2'd1);
      if (f_done_q) assert (f_nsteps_q == 2'd3);
      assert (!f_last2_q || f_v2_q);
      assert (!f_first1_q || f_v1_q);
      assert (!f_last1_q || f_v1_q);
      assert (!f_open_q || f_v1_q);
      if (f_nsteps_q != '0) assert (red_q == f_p1_q);
      if (stepped_q) assert (lane_q == ((mul_q.valid && !mul_q.last && !in_q.last) ? prod_q : '0));
      assert (stepped_q || (!in_q.valid && !mul_q.valid));
      // A message is open while the step in in is one of its blocks other than its last.
      // Inside a message every step has a block: the steps in in and mul are of one message
      // when the later is not a first or the earlier not a last.
      assert (f_open_q == (in_q.valid && !in_q.last));
      if (in_q.valid && !in_q.first) assert (mul_q.valid && !mul_q.last);
      if (mul_q.valid && !mul_q.last) assert (in_q.valid && !in_q.first);
      if (f_nsteps_q > 2'd1) assert (red_prev_q == f_p2_q);
      if (f_hset_q) assert (h_q == kara_split(f_h_q) && h2_q == kara_split(square(f_h_q)));
      if (f_done_q) assert (with_prev_q == !f_first3_q);
    end
  end

  always_ff @(posedge clk_i) begin
    if (rst_ni) begin
      cover (hash_valid_o && !f_first3_q);                 // a message of several blocks
      cover (hash_valid_o && f_first3_q);                  // a one-block message
      cover (hash_valid_o && f_v1_q && f_first1_q && f_last1_q);  // messages back to back
    end
  end
`endif

endmodule
