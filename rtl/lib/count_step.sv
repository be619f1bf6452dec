// The next value of a count register: x + up - down, with up and down in the last LUT only.
// x + 1 and x - 1 come from the register alone, and up and down choose between them and x.
// Written as an AND-OR, not a choice (?: or case): Yosys shares the two adders of a choice
// into one adder with its operand chosen, which puts up and down in front of the carry chain
// (a push or pop, often a few LUTs deep already, then ran on through a full-adder layer and
// the chain into the count).
module count_step #(
  parameter int Width = 4
) (
  input  logic [Width-1:0] x_i,
  input  logic             up_i,
  input  logic             down_i,
  output logic [Width-1:0] y_o
);

  logic [Width-1:0] inc, dec;

  assign inc = x_i + Width'(1);
  assign dec = x_i - Width'(1);
  assign y_o = ({Width{up_i && !down_i}} & inc) | ({Width{down_i && !up_i}} & dec) |
               ({Width{up_i == down_i}} & x_i);

endmodule
