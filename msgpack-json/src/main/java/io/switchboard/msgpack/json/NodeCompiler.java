package io.switchboard.msgpack.json;

import io.switchboard.msgpack.schema.NamedType;
import io.switchboard.msgpack.schema.Schema;
import io.switchboard.msgpack.schema.TypeRef;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds the node tree of a schema once: each named type becomes one node, made before its fields
 * so that a recursive type's node refers to itself.
 */
final class NodeCompiler {
  private final Schema schema;
  private final JsonSettings settings;
  private final Map<String, Node> named = new HashMap<>();

  private NodeCompiler(Schema schema, JsonSettings settings) {
    this.schema = schema;
    this.settings = settings;
  }

  /** Returns the node of the schema's root type. */
  static Node compile(Schema schema, JsonSettings settings) {
    return new NodeCompiler(schema, settings).node(schema.root());
  }

  private Node node(TypeRef type) {
    if (type instanceof TypeRef.Scalar s) {
      return ScalarNodes.of(s.kind(), settings);
    }
    if (type instanceof TypeRef.ListOf l) {
      ContainerNodes.ListNode node = new ContainerNodes.ListNode(settings);
      node.element(node(l.element()));
      return node;
    }
    if (type instanceof TypeRef.MapOf m) {
      ContainerNodes.MapNode node = new ContainerNodes.MapNode(settings);
      node.types(node(m.key()), node(m.value()));
      return node;
    }
    if (type instanceof TypeRef.OptionalOf o) {
      ContainerNodes.OptionalNode node = new ContainerNodes.OptionalNode();
      node.value(node(o.value()));
      return node;
    }
    if (type instanceof TypeRef.Opaque o) {
      return new AnyNode(settings, "any value (" + o.javaType() + ")");
    }
    return namedNode(((TypeRef.Named) type).name());
  }

  private Node namedNode(String name) {
    Node node = named.get(name);
    if (node != null) {
      return node;
    }
    NamedType type = schema.type(name);
    if (type instanceof NamedType.EnumType e) {
      node = new ContainerNodes.EnumNode(e);
      named.put(name, node);
    } else if (type instanceof NamedType.MessageType m) {
      MessageNode message = new MessageNode(m, settings);
      named.put(name, message);
      List<Node> fields = new ArrayList<>();
      for (NamedType.Field f : m.fields()) {
        fields.add(node(f.type()));
      }
      message.fields(m.fields(), fields);
      node = message;
    } else {
      NamedType.UnionType u = (NamedType.UnionType) type;
      ContainerNodes.UnionNode union = new ContainerNodes.UnionNode(u);
      named.put(name, union);
      List<Node> variants = new ArrayList<>();
      for (NamedType.Variant v : u.variants()) {
        variants.add(node(v.type()));
      }
      union.variants(u.variants(), variants);
      node = union;
    }
    return node;
  }
}
