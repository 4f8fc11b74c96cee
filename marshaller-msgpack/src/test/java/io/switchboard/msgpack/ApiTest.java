package io.switchboard.msgpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.switchboard.msgpack.TestTypes.Account;
import io.switchboard.msgpack.TestTypes.Page;
import io.switchboard.msgpack.TestTypes.Point;
import io.switchboard.msgpack.TestTypes.User;
import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.msgpack.core.MessagePacker;

/** Settings, registry, hand-written codecs, POJOs and misuse. */
class ApiTest {
  @Test
  void settingsCheckEachValueAtOnce() {
    assertThatThrownBy(() -> MessagePackSettings.newBuilder().maxDepth(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxDepth: 0 (expected: 1..1024)");
    assertThatThrownBy(() -> MessagePackSettings.newBuilder().maxMessageBytes(0))
        .hasMessage("maxMessageBytes: 0 (expected: > 0)");
    assertThatThrownBy(() -> MessagePackSettings.newBuilder().maxCollectionSize(-1))
        .hasMessage("maxCollectionSize: -1 (expected: >= 0)");
    assertThatThrownBy(() -> MessagePackSettings.newBuilder().maxPooledBufferBytes(10))
        .hasMessage("maxPooledBufferBytes: 10 (expected: 256..67108864)");
    assertThatThrownBy(() -> MessagePackSettings.newBuilder().defaultShape(null))
        .isInstanceOf(NullPointerException.class);
  }

  @Test
  void settingsCheckCombinationsOnBuild() {
    assertThatThrownBy(
            () -> MessagePackSettings.newBuilder().maxMessageBytes(100).maxStringBytes(200).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxStringBytes: 200 (expected: <= maxMessageBytes 100)");
    // Unset, the string and binary limits follow the message limit.
    MessagePackSettings small = MessagePackSettings.newBuilder().maxMessageBytes(100).build();
    assertThat(small.maxStringBytes()).isEqualTo(100);
    assertThat(small.maxBinaryBytes()).isEqualTo(100);
    MessagePackSettings copy = small.toBuilder().maxMessageBytes(50).build();
    assertThat(copy.maxStringBytes()).isEqualTo(50);
    assertThat(MessagePackSettings.defaults().maxDepth())
        .isEqualTo(MessagePackSettings.DEFAULT_MAX_DEPTH)
        .isEqualTo(64);
  }

  record Money(long units, String currency) {}

  record Order(String id, List<Money> lines, Optional<Money> discount) {}

  /** Money as a single str "12 EUR". */
  static final class MoneyCodec implements MessagePackCodec<Money> {
    @Override
    public void encode(MessagePacker packer, Money value) throws IOException {
      packer.packString(value.units() + " " + value.currency());
    }

    @Override
    public Money decode(MessagePackReader reader) throws IOException {
      String[] parts = reader.readString().split(" ", 2);
      return new Money(Long.parseLong(parts[0]), parts[1]);
    }
  }

  @Test
  void registeredCodecsApplyWhereverTheTypeAppears() {
    CodecRegistry codecs =
        CodecRegistry.newBuilder().register(Money.class, new MoneyCodec()).build();
    MessagePackMarshaller<Order> orders =
        MessagePackMarshaller.of(
            Order.class, MessagePackSettings.newBuilder().codecs(codecs).build());
    Order order = new Order("o1", List.of(new Money(12, "EUR")), Optional.empty());
    byte[] bytes = orders.encode(order);
    assertThat(HexFormat.of().formatHex(bytes))
        .isEqualTo("93" + "a26f31" + "91a6313220455552" + "c0");
    assertThat(orders.decode(bytes)).isEqualTo(order);
    // A codec's failure is reported with the field it was decoding.
    byte[] bad = HexFormat.of().parseHex("93a26f3191a3783f3fc0");
    assertThatThrownBy(() -> orders.decode(bad))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("Order.lines", "[0]");
            });
  }

  @Test
  void registryRejectsDuplicatesAndPrimitives() {
    CodecRegistry.Builder builder =
        CodecRegistry.newBuilder().register(Money.class, new MoneyCodec());
    assertThatThrownBy(() -> builder.register(Money.class, new MoneyCodec()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not registered yet");
    MessagePackCodec<Integer> ints =
        new MessagePackCodec<>() {
          @Override
          public void encode(MessagePacker packer, Integer value) throws IOException {
            packer.packInt(value);
          }

          @Override
          public Integer decode(MessagePackReader reader) throws IOException {
            return reader.readInt();
          }
        };
    assertThatThrownBy(() -> builder.register(int.class, ints))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("type: int (expected: a reference type; register the boxed type)");
    assertThat(builder.build().toBuilder().build().size()).isEqualTo(1);
  }

  record Wallet(Money money) {}

  @Test
  void handWrittenCodecsCountOneLevelOnBothSides() {
    CodecRegistry codecs =
        CodecRegistry.newBuilder().register(Money.class, new MoneyCodec()).build();
    Money money = new Money(12, "EUR");
    // At the limit: what encodes, decodes.
    MessagePackMarshaller<Money> flat =
        MessagePackMarshaller.of(
            Money.class, MessagePackSettings.newBuilder().codecs(codecs).maxDepth(1).build());
    assertThat(flat.decode(flat.encode(money))).isEqualTo(money);
    MessagePackMarshaller<Wallet> wallets2 =
        MessagePackMarshaller.of(
            Wallet.class, MessagePackSettings.newBuilder().codecs(codecs).maxDepth(2).build());
    byte[] bytes = wallets2.encode(new Wallet(money));
    assertThat(HexFormat.of().formatHex(bytes)).isEqualTo("91a6313220455552");
    assertThat(wallets2.decode(bytes)).isEqualTo(new Wallet(money));
    // One level over: neither side accepts it.
    MessagePackMarshaller<Wallet> wallets1 =
        MessagePackMarshaller.of(
            Wallet.class, MessagePackSettings.newBuilder().codecs(codecs).maxDepth(1).build());
    assertThatThrownBy(() -> wallets1.encode(new Wallet(money)))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INTERNAL);
              assertThat(e.getStatus().getDescription())
                  .contains("Wallet.money", "nesting deeper than maxDepth");
            });
    assertThatThrownBy(() -> wallets1.decode(bytes))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("Wallet.money");
            });
  }

  @Test
  void pojosWithSettersOrAllArgsConstructors() {
    MessagePackMarshaller<Account> accounts = MessagePackMarshaller.of(Account.class);
    Account account = new Account("ann", 12, List.of("a"));
    account.cached = 99;
    // Fields by index: owner 0, tags 1, balance 2; the transient field is not written.
    assertThat(HexFormat.of().formatHex(accounts.encode(account))).isEqualTo("93a3616e6e91a1610c");
    Account decoded = accounts.decode(accounts.encode(account));
    assertThat(decoded).usingRecursiveComparison().ignoringFields("cached").isEqualTo(account);
    assertThat(decoded.cached).isZero();
    MessagePackMarshaller<Point> points = MessagePackMarshaller.of(Point.class);
    Point p = points.decode(points.encode(new Point(3, -4)));
    assertThat(p.x()).isEqualTo(3);
    assertThat(p.y()).isEqualTo(-4);
  }

  @Test
  void misuseFailsAtOnce() {
    assertThatThrownBy(() -> MessagePackMarshaller.of((Class<User>) null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> MessagePackMarshaller.of(Page.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("type variable T is unbound")
        .hasMessageContaining("TypeToken");
    assertThatThrownBy(() -> MessagePackMarshaller.of(User.class).encode(null))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> MessagePackMarshaller.of(Unindexed.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Unindexed.value: no @MessagePackIndex");
    assertThatThrownBy(() -> MessagePackMarshaller.of(Twice.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("@MessagePackIndex(1) is used twice");
  }

  static final class Unindexed {
    int value;
  }

  record Twice(@MessagePackIndex(1) int a, @MessagePackIndex(1) int b) {}

  @Test
  void worksWithAPlainGrpcMethodDescriptor() {
    MethodDescriptor<User, User> method =
        MethodDescriptor.<User, User>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName("demo.Users/Get")
            .setRequestMarshaller(MessagePackMarshaller.of(User.class))
            .setResponseMarshaller(MessagePackMarshaller.of(User.class))
            .build();
    User ann = new User(1, "ann", "a@example.com", 3, true);
    assertThat(method.parseRequest(method.streamRequest(ann))).isEqualTo(ann);
  }
}
