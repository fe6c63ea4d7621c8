import { parser } from '@prometheus-io/lezer-promql';

type SyntaxNode = ReturnType<typeof parser.parse>['topNode'];

/** One vector selector of an expression: the metric it reads and the labels its matchers test. */
export interface Selector {
  metric: string;
  labels: string[];
  /** The labels matched for equality with a literal (`service="users"`), with their values. */
  equals: Record<string, string>;
}

/** Labels an aggregation keeps or drops (`by`/`without`), and the selectors it aggregates over. */
export interface Grouping {
  labels: string[];
  over: Selector[];
}

export interface PromqlAnalysis {
  /** Syntax errors, each with the text where the parser stopped understanding. */
  errors: string[];
  selectors: Selector[];
  groupings: Grouping[];
}

const unquote = (text: string) => text.replace(/^["'`]|["'`]$/g, '');

/**
 * Parses a PromQL expression with the Prometheus project's own grammar (the one its web UI uses) and
 * lists what it refers to: each selector's metric and matcher labels, and each aggregation's labels.
 */
export function analysePromql(expr: string): PromqlAnalysis {
  const tree = parser.parse(expr);
  const errors: string[] = [];
  tree.iterate({
    enter: (node) => {
      if (node.type.isError)
        errors.push(`syntax error at ${node.from}: "${expr.slice(node.from, node.from + 20)}"`);
    },
  });
  const text = (node: SyntaxNode) => expr.slice(node.from, node.to);

  const walk = (node: SyntaxNode, visit: (n: SyntaxNode) => void): void => {
    visit(node);
    for (let child = node.firstChild; child; child = child.nextSibling) walk(child, visit);
  };

  const selectorsUnder = (root: SyntaxNode): Selector[] => {
    const found: Selector[] = [];
    walk(root, (node) => {
      if (node.name !== 'VectorSelector') return;
      const matchers = node.getChild('LabelMatchers');
      const labels = [
        ...(matchers?.getChildren('UnquotedLabelMatcher') ?? []).map((m) => text(m.getChild('LabelName')!)),
        ...(matchers?.getChildren('QuotedLabelMatcher') ?? []).map((m) =>
          unquote(text(m.getChild('QuotedLabelName')!)),
        ),
      ];
      const equals: Record<string, string> = {};
      for (const m of matchers?.getChildren('UnquotedLabelMatcher') ?? []) {
        const value = m.getChild('StringLiteral');
        if (m.getChild('MatchOp')?.getChild('EqlSingle') && value)
          equals[text(m.getChild('LabelName')!)] = unquote(text(value));
      }
      const identifier = node.getChild('Identifier');
      // {"metric_name", label="x"}: the quoted name form of the selector.
      const quotedName = matchers?.getChild('QuotedLabelName');
      const metric = identifier ? text(identifier) : quotedName ? unquote(text(quotedName)) : equals.__name__;
      if (metric === undefined) errors.push(`a selector without a metric name: ${text(node)}`);
      else {
        delete equals.__name__;
        found.push({ metric, labels: labels.filter((l) => l !== '__name__'), equals });
      }
    });
    return found;
  };

  const groupings: Grouping[] = [];
  tree.iterate({
    enter: (ref) => {
      if (ref.name !== 'AggregateExpr') return;
      const modifier = ref.node.getChild('AggregateModifier')?.getChild('GroupingLabels');
      if (!modifier) return;
      const labels = modifier.getChildren('LabelName').map(text);
      const body = ref.node.getChild('FunctionCallBody');
      groupings.push({ labels, over: body ? selectorsUnder(body) : [] });
    },
  });
  return { errors, selectors: selectorsUnder(tree.topNode), groupings };
}
