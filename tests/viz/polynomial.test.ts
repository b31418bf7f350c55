import { test } from "node:test";
import assert from "node:assert/strict";
import { polynomialEda } from "../../src/eval/polynomial-eda";
import { generatePolynomialPairs } from "../../src/data/polynomial-generator";
import {
  polynomialCoefficientFigure,
  polynomialFactorFigure,
  polynomialLengthFigure,
  polynomialShapeFigure,
  polynomialTermCountFigure,
  polynomialTokenFrequencyFigure,
  polynomialVariableFigure,
} from "../../src/viz/polynomial";

const eda = polynomialEda(generatePolynomialPairs(400, 2));

test("length figure has a source and a target trace whose counts sum to the pairs", () => {
  const fig = polynomialLengthFigure(eda, "chars");
  assert.equal(fig.data.length, 2);
  for (const trace of fig.data)
    assert.equal(
      (trace.y as number[]).reduce((a, b) => a + b, 0),
      400,
    );
});

test("token, variable, term, coefficient, factor and shape figures", () => {
  const tokens = polynomialTokenFrequencyFigure(eda);
  assert.ok((tokens.data[0].x as string[]).includes("**"));
  const vars = polynomialVariableFigure(eda);
  assert.ok(Math.abs((vars.data[0].y as number[]).reduce((a, b) => a + b, 0) - 1) < 1e-9);
  assert.equal(
    (polynomialTermCountFigure(eda).data[0].y as number[]).reduce((a, b) => a + b, 0),
    400,
  );
  assert.equal(polynomialCoefficientFigure(eda).data.length, 3);
  assert.equal(polynomialFactorFigure(eda).data.length, 3);
  const shapes = polynomialShapeFigure(eda, { top: 5, compare: eda, labels: ["a", "b"] });
  assert.equal(shapes.data.length, 2);
  assert.deepEqual(shapes.data[0].x, shapes.data[1].x);
  assert.equal((shapes.data[0].y as string[]).length, 5);
});

test("learning curve puts accuracies on the second axis and skips missing values", async () => {
  const { polynomialLearningCurveFigure } = await import("../../src/viz/polynomial");
  const fig = polynomialLearningCurveFigure([
    { step: 100, loss: 2, valLoss: 2.1, valExactMatch: 0.1, valEquivalent: 0.12 },
    { step: 200, loss: 1, valExactMatch: 0.3, valEquivalent: 0.31 },
  ]);
  assert.deepEqual(fig.data[1].x, [100]);
  assert.deepEqual(fig.data[2].y, [0.1, 0.3]);
  assert.equal(fig.data[2].yaxis, "y2");
  // the legend stands above the plot (below it, it covered the "step" title)
  const legend = fig.layout!.legend as { orientation: string; y: number; yanchor: string };
  assert.deepEqual([legend.orientation, legend.y > 1, legend.yanchor], ["h", true, "bottom"]);
  assert.equal((fig.layout!.title as { text: string }).text, "Learning curve");
});
